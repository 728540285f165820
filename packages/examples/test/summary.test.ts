import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointStats } from "@switchboard/sdk";
import { formatSummary } from "../src/demo/format-summary.js";
import {
  AttemptCounter,
  describeChanges,
  type EndpointSample,
  type MeshSample,
} from "../src/demo/mesh-sample.js";
import { PhaseLedger, PhaseRecord, summarizePhase } from "../src/demo/summary.js";
import type { CallResult } from "../src/load-generator/load-generator.js";

const SLOW = { name: "user-2", role: "slow", version: "v1", address: "10.0.0.2:1" };
const FAST = { name: "user-1", role: "healthy", version: "v1", address: "10.0.0.1:1" };
const CANARY = { name: "user-4", role: "canary", version: "v2", address: "10.0.0.4:1" };

function call(startedAt: number, latencyMs: number, servedBy: string, code = 0, details = ""): CallResult {
  return { startedAt, latencyMs, servedBy: code === 0 ? servedBy : "", code, details };
}

function canaryCall(startedAt: number, servedBy: string): CallResult {
  return { ...call(startedAt, 2, servedBy), canary: true };
}

function endpoint(id: string, requests: number, successes: number): EndpointStats {
  const attempts = {
    requests,
    successes,
    errorsByCode: {},
    successRate: 1,
    latencyMs: { p50: 0, p95: 0, p99: 0 },
    retries: 0,
  };
  return {
    id,
    zone: "",
    weight: 1,
    health: "SERVING",
    ejected: false,
    connectivity: "READY",
    pickable: true,
    inFlight: 0,
    latencyEwmaMs: 0,
    attempts,
  };
}

describe("PhaseLedger", () => {
  it("counts each call in the phase it started in, even when it ends after the next began", () => {
    const ledger = new PhaseLedger();
    ledger.recordCall(call(50, 1, FAST.address)); // warm-up: not counted
    ledger.begin("one", "Phase one", 100);
    ledger.recordCall(call(150, 2, FAST.address));
    ledger.begin("two", "Phase two", 200);
    ledger.recordCall(call(199, 900, SLOW.address, 14, "injected failure")); // started in phase one
    ledger.recordCall(call(250, 3, SLOW.address));
    ledger.end(300);
    const [one, two] = ledger.summaries([FAST, SLOW]);
    assert.equal(one?.calls, 2);
    assert.equal(one?.failed, 1);
    assert.deepEqual(one?.failedByCode, { UNAVAILABLE: 1 });
    assert.equal(two?.calls, 1);
    assert.equal(two?.failed, 0);
    assert.equal(two?.seconds, 0.1);
  });

  it("adds sampled attempts to the open phase only", () => {
    const ledger = new PhaseLedger();
    ledger.recordAttempts(new Map([[FAST.address, { attempts: 5, successes: 5 }]]));
    ledger.begin("one", "Phase one", 0);
    ledger.recordAttempts(new Map([[FAST.address, { attempts: 3, successes: 3 }]]));
    ledger.recordAttempts(new Map([[FAST.address, { attempts: 1, successes: 0 }]]));
    ledger.end(10);
    ledger.recordAttempts(new Map([[FAST.address, { attempts: 7, successes: 7 }]]));
    assert.deepEqual(ledger.current?.attempts.get(FAST.address), { attempts: 4, successes: 3 });
  });
});

describe("summarizePhase", () => {
  it("gives each instance its share of attempts, success rate and answered-call latencies", () => {
    const phase = new PhaseRecord("peak-ewma", "peak_ewma", 0);
    phase.endedAt = 5000;
    phase.addAttempts(
      new Map([
        [FAST.address, { attempts: 90, successes: 90 }],
        [SLOW.address, { attempts: 10, successes: 9 }],
      ]),
    );
    for (let i = 0; i < 10; i++) phase.tally.record(call(i, 2, FAST.address));
    phase.tally.record(call(20, 45, SLOW.address));
    const s = summarizePhase(phase, [FAST, SLOW]);
    const [fast, slow] = s.instances;
    assert.equal(fast?.share, 0.9);
    assert.equal(slow?.share, 0.1);
    assert.equal(slow?.successRate, 0.9);
    assert.equal(fast?.answered, 10);
    assert.ok(Math.abs((fast?.p50Ms ?? 0) - 2) < 0.05, `p50 ${fast?.p50Ms}`);
    assert.ok(Math.abs((slow?.p99Ms ?? 0) - 45) < 0.5, `p99 ${slow?.p99Ms}`);
    assert.equal(s.seconds, 5);
    assert.equal(s.calls, 11);
  });

  it("reports no share and no success rate for an instance without attempts", () => {
    const s = summarizePhase(new PhaseRecord("k", "t", 0), [FAST]);
    assert.equal(s.instances[0]?.share, 0);
    assert.equal(s.instances[0]?.successRate, null);
  });

  it("counts the calls a breaker rejected", () => {
    const phase = new PhaseRecord("breaker", "breaker", 0);
    phase.tally.record(
      call(
        1,
        0.2,
        "",
        14,
        "user lookup failed: switchboard: circuit breaker open for user-service; failing fast",
      ),
    );
    phase.tally.record(call(2, 40, "", 14, "user lookup failed: injected failure from user-2"));
    const s = summarizePhase(phase, []);
    assert.equal(s.failed, 2);
    assert.equal(s.breakerRejected, 1);
    assert.equal(s.failureSamples.length, 2);
  });
});

describe("a canary phase's summary", () => {
  it("sums the attempts by version and says where the x-canary orders landed", () => {
    const ledger = new PhaseLedger();
    const phase = ledger.begin("canary-10", "canary: 10% of calls on v2", 0);
    phase.addAttempts(
      new Map([
        [FAST.address, { attempts: 45, successes: 45 }],
        [SLOW.address, { attempts: 45, successes: 45 }],
        [CANARY.address, { attempts: 10, successes: 10 }],
      ]),
    );
    ledger.recordCall(call(1, 2, FAST.address));
    ledger.recordCall(canaryCall(2, CANARY.address));
    ledger.recordCall(canaryCall(3, CANARY.address));
    ledger.end(1000);
    const [s] = ledger.summaries([FAST, SLOW, CANARY]);
    assert.deepEqual(s?.versions, { v1: 0.9, v2: 0.1 });
    assert.deepEqual(s?.canary, { calls: 2, failed: 0, byVersion: { v2: 2 } });
    assert.equal(s?.calls, 3, "canary orders count among the phase's orders too");
    const text = formatSummary(s ? [s] : []);
    assert.match(text, /1 canary-10\s+90\.0%\s+10\.0%\s+2\s+0\s+2/);
  });
});

describe("formatSummary", () => {
  it("prints one row per phase and one per phase and instance", () => {
    const phase = new PhaseRecord("round-robin", "round_robin, no retries", 0);
    phase.endedAt = 5000;
    phase.addAttempts(
      new Map([
        [FAST.address, { attempts: 50, successes: 50 }],
        [SLOW.address, { attempts: 50, successes: 50 }],
      ]),
    );
    phase.tally.record(call(1, 3, FAST.address));
    const text = formatSummary([summarizePhase(phase, [FAST, SLOW])]);
    assert.match(text, /1 round_robin, no retries\s+5\.0\s+1\s+0\s+0/);
    assert.match(text, /1 round-robin\s+user-1\s+healthy\s+50\.0%\s+50\s+100\.0%/);
    assert.match(text, /\n\s+user-2\s+slow\s+50\.0%/);
  });
});

describe("AttemptCounter", () => {
  it("turns cumulative counters into counts since the last reading, starting over after a reset", () => {
    const counter = new AttemptCounter();
    assert.deepEqual(counter.delta([endpoint("a", 10, 9)]).get("a"), { attempts: 10, successes: 9 });
    assert.deepEqual(counter.delta([endpoint("a", 15, 13)]).get("a"), { attempts: 5, successes: 4 });
    assert.deepEqual(counter.delta([endpoint("a", 2, 2)]).get("a"), { attempts: 2, successes: 2 });
  });
});

describe("describeChanges", () => {
  const e = (id: string, over: Partial<EndpointSample> = {}): [string, EndpointSample] => [
    id,
    { id, health: "SERVING", ejected: false, attempts: 0, successes: 0, ...over },
  ];
  const sample = (endpoints: [string, EndpointSample][], breaker = "disabled", version = 3): MeshSample => ({
    connected: true,
    version,
    loadBalancing: "peak_ewma",
    breaker,
    endpoints: new Map(endpoints),
  });
  const name = (id: string) => `name-of-${id}`;

  it("says nothing about the first state, or when nothing changed", () => {
    assert.deepEqual(describeChanges(sample([], "idle", 0), sample([e("a")]), name), []);
    assert.deepEqual(describeChanges(sample([e("a")]), sample([e("a")]), name), []);
  });

  it("names ejections, returns, removals, health changes and breaker transitions", () => {
    const before = sample([e("a"), e("b", { ejected: true }), e("c")], "closed");
    const after = sample([e("a", { ejected: true }), e("b", { health: "DRAINING" })], "open");
    assert.deepEqual(describeChanges(before, after, name), [
      "name-of-a ejected by outlier detection (its breaker opened)",
      "name-of-b back in rotation (probe succeeded)",
      "name-of-b is now DRAINING (was SERVING)",
      "name-of-c removed from the registry: the control plane told every client",
      "GetUser circuit breaker: closed -> open (calls now fail fast, without a network call)",
    ]);
  });

  it("does not call a newly configured breaker a transition", () => {
    assert.deepEqual(describeChanges(sample([], "disabled"), sample([], "closed"), name), []);
  });
});
