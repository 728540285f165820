import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_POLICY, FakeClock } from "@switchboard/core";
import { EndpointLoad } from "../src/balancer/endpoint-load.js";
import { PeakEwmaPicker, peakEwma } from "../src/balancer/peak-ewma.js";
import { seededRandom } from "../src/balancer/seeded-random.js";

const DECAY_MS = 10_000;

/** Feeds `load` one call of `latencyMs` per 10 ms of fake time, `calls` times. */
function serve(clock: FakeClock, load: EndpointLoad, latencyMs: number, calls: number): void {
  for (let i = 0; i < calls; i++) {
    load.onCallStarted();
    clock.advance(10);
    load.onCallEnded(latencyMs);
  }
}

function endpoints(clock: FakeClock, keys: string[]) {
  return keys.map((key) => ({ key, weight: 1, load: new EndpointLoad(clock, DECAY_MS) }));
}

describe("peak EWMA endpoint load", () => {
  it("takes a latency spike at once and lets it fade with exp(-dt/decay)", () => {
    const clock = new FakeClock();
    const load = new EndpointLoad(clock, DECAY_MS);
    load.onCallEnded(10);
    load.onCallEnded(100);
    assert.equal(load.latencyMs(), 100);
    clock.advance(DECAY_MS);
    load.onCallEnded(10);
    // The old average has decayed to 100/e, then blends with the sample: 100/e + 10(1 - 1/e).
    assert.ok(Math.abs(load.latencyMs() - (100 / Math.E + 10 * (1 - 1 / Math.E))) < 1e-9);
  });

  it("lets a busy endpoint forget a single slow answer within a few dozen answers, but not a slow streak", () => {
    const clock = new FakeClock();
    const busy = new EndpointLoad(clock, DECAY_MS);
    serve(clock, busy, 2, 100);
    serve(clock, busy, 50, 1); // one pause of the process
    serve(clock, busy, 2, 40); // 400 ms of fast answers, a small part of the 10 s decay
    assert.ok(busy.latencyMs() < 3, `still looks slow: ${busy.latencyMs()} ms`);
    const slow = new EndpointLoad(clock, DECAY_MS);
    serve(clock, slow, 20, 200);
    assert.ok(slow.latencyMs() >= 19, "a steadily slow endpoint keeps its cost");
  });

  it("multiplies latency by calls in flight + 1", () => {
    const clock = new FakeClock();
    const load = new EndpointLoad(clock, DECAY_MS);
    load.onCallEnded(20);
    load.onCallStarted();
    load.onCallStarted();
    assert.equal(load.cost(), 60);
  });

  it("probes an endpoint with no sample yet, but sends it nothing more until it answers", () => {
    const clock = new FakeClock();
    const load = new EndpointLoad(clock, DECAY_MS);
    assert.equal(load.cost(), 0);
    load.onCallStarted();
    assert.ok(load.cost() > 1e6);
    load.onCallEnded(5);
    assert.equal(load.cost(), 5);
  });

  it("does not let a cancelled call count as a latency sample", () => {
    const load = new EndpointLoad(new FakeClock(), DECAY_MS);
    load.onCallEnded(10);
    load.onCallStarted();
    load.onCallEnded();
    assert.equal(load.inFlight, 0);
    assert.equal(load.latencyMs(), 10);
  });
});

describe("peak_ewma picker", () => {
  it("prefers the fast endpoint: the slowest never wins a pair, the fastest wins every pair it is in", () => {
    const clock = new FakeClock();
    const [fast, medium, slow] = endpoints(clock, ["fast", "medium", "slow"]);
    assert.ok(fast && medium && slow);
    serve(clock, fast.load, 5, 20);
    serve(clock, medium.load, 50, 20);
    serve(clock, slow.load, 500, 20);
    const picker = new PeakEwmaPicker([fast, medium, slow], 2, seededRandom(31), clock);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const key = picker.pick({})?.key ?? "";
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.get("slow"), undefined);
    // fast is in 2 of the 3 pairs.
    assert.ok(Math.abs((counts.get("fast") ?? 0) - 20_000) < 700);
  });

  it("moves calls away from a fast endpoint once it has many in flight", () => {
    const clock = new FakeClock();
    const list = endpoints(clock, ["fast", "slower"]);
    const [fast, slower] = list;
    assert.ok(fast && slower);
    serve(clock, fast.load, 5, 10);
    serve(clock, slower.load, 20, 10);
    const picker = new PeakEwmaPicker(list, 2, seededRandom(32), clock);
    assert.equal(picker.pick({})?.key, "fast");
    for (let i = 0; i < 4; i++) fast.load.onCallStarted();
    assert.equal(picker.pick({})?.key, "slower");
  });

  it("tries a slow endpoint again once its latency has decayed", () => {
    const clock = new FakeClock();
    const list = endpoints(clock, ["steady", "recovered"]);
    const [steady, recovered] = list;
    assert.ok(steady && recovered);
    serve(clock, recovered.load, 1_000, 1);
    serve(clock, steady.load, 30, 1);
    const picker = new PeakEwmaPicker(list, 2, seededRandom(33), clock);
    assert.equal(picker.pick({})?.key, "steady");
    // For 50 s only steady answers (30 ms, once a second); five decay periods take recovered's
    // average to 1000/e^5 = 6.7 ms, under steady's.
    for (let second = 0; second < 50; second++) {
      clock.advance(990);
      serve(clock, steady.load, 30, 1);
    }
    assert.equal(picker.pick({})?.key, "recovered");
  });

  it("skips a tried endpoint even when it is the fastest", () => {
    const clock = new FakeClock();
    const list = endpoints(clock, ["fast", "slow"]);
    serve(clock, list[0]?.load ?? new EndpointLoad(clock, 1), 5, 5);
    serve(clock, list[1]?.load ?? new EndpointLoad(clock, 1), 500, 5);
    const picker = new PeakEwmaPicker(list, 2, seededRandom(34), clock);
    assert.equal(picker.pick({ avoid: new Set(["fast"]) })?.key, "slow");
  });

  it("applies the policy's decay to the endpoints it balances over", () => {
    const clock = new FakeClock();
    const list = endpoints(clock, ["a", "b"]);
    const [a] = list;
    assert.ok(a);
    a.load.onCallEnded(100);
    const config = { ...DEFAULT_POLICY.loadBalancing, algorithm: "peak_ewma" as const, ewmaDecayMs: 100 };
    peakEwma(list, config, { random: seededRandom(35), clock });
    clock.advance(100);
    assert.ok(Math.abs(a.load.latencyMs() - 100 / Math.E) < 1e-9);
  });
});
