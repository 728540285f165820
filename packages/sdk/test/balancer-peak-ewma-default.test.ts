import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { EndpointLoad, LatencyBaseline, MIN_SAMPLE_WEIGHT } from "../src/balancer/endpoint-load.js";
import { PeakEwmaPicker } from "../src/balancer/peak-ewma.js";
import { seededRandom } from "../src/balancer/seeded-random.js";

const DECAY_MS = 10_000;

interface Entry {
  readonly key: string;
  readonly weight: number;
  readonly load: EndpointLoad;
}

function entries(clock: FakeClock, baseline: LatencyBaseline, keys: string[]): Entry[] {
  return keys.map((key) => ({ key, weight: 1, load: new EndpointLoad(clock, DECAY_MS, { baseline }) }));
}

/**
 * Sends calls one at a time for `durationMs` of fake time, each answered after `latencyOf(key)`
 * ms; returns the calls each endpoint took.
 */
function oneAtATime(
  clock: FakeClock,
  list: readonly Entry[],
  latencyOf: (key: string) => number,
  durationMs: number,
  random = seededRandom(7),
): Map<string, number> {
  const picker = new PeakEwmaPicker(list, 2, random, clock);
  const counts = new Map<string, number>(list.map((e) => [e.key, 0]));
  const end = clock.now() + durationMs;
  while (clock.now() < end) {
    const e = picker.pick({});
    assert.ok(e);
    e.load.onCallStarted();
    const latency = latencyOf(e.key);
    clock.advance(latency);
    e.load.onCallEnded(latency);
    counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  }
  return counts;
}

const share = (counts: Map<string, number>, key: string) =>
  (counts.get(key) ?? 0) / [...counts.values()].reduce((a, b) => a + b, 0);

describe("peak EWMA with a default estimate", () => {
  it("lets equal endpoints share calls one at a time, even after one answered slowly once", () => {
    const clock = new FakeClock();
    const baseline = new LatencyBaseline();
    const list = entries(clock, baseline, ["a", "b"]);
    const jitter = seededRandom(11);
    let first = true;
    const counts = oneAtATime(
      clock,
      list,
      (key) => {
        // b's first answer is twenty times slower (a cold start, a pause).
        if (key === "b" && first) {
          first = false;
          return 20;
        }
        return 1 + jitter();
      },
      10_000,
    );
    const b = share(counts, "b");
    assert.ok(b >= 0.35 && b <= 0.65, `b took ${(b * 100).toFixed(1)} % of the calls`);
  });

  it("starts a new endpoint from the service's default estimate, so a restarted instance takes its share at once", () => {
    const clock = new FakeClock();
    const baseline = new LatencyBaseline();
    const old = entries(clock, baseline, ["a", "b"]);
    const jitter = seededRandom(12);
    oneAtATime(clock, old, () => 1 + jitter(), 5_000);
    const [restarted] = entries(clock, baseline, ["c"]);
    assert.ok(restarted);
    assert.ok(
      Math.abs(restarted.load.latencyMs() - (baseline.ms ?? 0)) < 1e-9,
      "a new endpoint has no estimate of its own yet",
    );
    const counts = oneAtATime(clock, [...old, restarted], () => 1 + jitter(), 5_000);
    assert.ok(
      share(counts, "c") >= 0.2,
      `the restarted instance took ${(share(counts, "c") * 100).toFixed(1)} %`,
    );
  });

  it("moves an idle endpoint's estimate back to the default with a time constant of its latency / MIN_SAMPLE_WEIGHT", () => {
    const clock = new FakeClock();
    const baseline = new LatencyBaseline();
    const [busy, idle] = entries(clock, baseline, ["busy", "idle"]);
    assert.ok(busy && idle);
    for (let i = 0; i < 100; i++) busy.load.onCallEnded(2);
    idle.load.onCallEnded(20);
    const defaultMs = baseline.ms ?? 0;
    const tauMs = 20 / MIN_SAMPLE_WEIGHT;
    clock.advance(tauMs);
    const expected = defaultMs + (20 - defaultMs) / Math.E;
    assert.ok(Math.abs(idle.load.latencyMs() - expected) < 1e-9, `${idle.load.latencyMs()} vs ${expected}`);
    clock.advance(10 * tauMs);
    assert.ok(idle.load.latencyMs() - defaultMs < 0.01, "still far from the default");
  });

  it("never takes longer than the decay time to forget", () => {
    const clock = new FakeClock();
    const baseline = new LatencyBaseline();
    const [slow] = entries(clock, baseline, ["slow"]);
    assert.ok(slow);
    baseline.observe(1);
    slow.load.onCallEnded(5_000); // latency / MIN_SAMPLE_WEIGHT would be 50 s
    clock.advance(DECAY_MS);
    const defaultMs = baseline.ms ?? 0;
    assert.ok(Math.abs(slow.load.latencyMs() - (defaultMs + (5_000 - defaultMs) / Math.E)) < 1e-6);
  });

  it("still keeps calls away from an endpoint ten times slower than the others", () => {
    const clock = new FakeClock();
    const baseline = new LatencyBaseline();
    const keys = Array.from({ length: 10 }, (_, i) => `e${i}`);
    const jitter = seededRandom(13);
    const counts = oneAtATime(
      clock,
      entries(clock, baseline, keys),
      (key) => (key === "e0" ? 10 : 1) * (1 + 0.2 * jitter()),
      10_000,
    );
    assert.ok(
      share(counts, "e0") < 0.02,
      `the slow endpoint took ${(share(counts, "e0") * 100).toFixed(2)} %`,
    );
  });

  it("keeps the probing of an unmeasured endpoint when no default is known yet", () => {
    const clock = new FakeClock();
    const load = new EndpointLoad(clock, DECAY_MS, { baseline: new LatencyBaseline() });
    assert.equal(load.cost(), 0);
    load.onCallStarted();
    assert.ok(load.cost() > 1e6);
  });
});
