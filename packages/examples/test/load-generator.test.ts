import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CallTally } from "../src/load-generator/call-tally.js";
import { type CallOutcome, type CallResult, LoadGenerator } from "../src/load-generator/load-generator.js";
import { Pacer } from "../src/load-generator/pacer.js";

describe("Pacer", () => {
  it("spaces reservations 1000/rate ms apart, and does not make up slots missed while busy", () => {
    let now = 0;
    const pacer = new Pacer(100, () => now);
    assert.deepEqual([pacer.reserve(), pacer.reserve(), pacer.reserve()], [0, 10, 20]);
    now = 1000; // every worker was busy for a second
    assert.deepEqual([pacer.reserve(), pacer.reserve()], [0, 10]);
  });

  it("never waits in closed loop (rate 0), and rejects a negative rate", () => {
    const pacer = new Pacer(0, () => 0);
    assert.deepEqual([pacer.reserve(), pacer.reserve()], [0, 0]);
    assert.throws(() => new Pacer(-1), /ratePerSecond must be >= 0/);
  });
});

/** A call target whose calls end when the test says so. */
class ManualTarget {
  readonly pending: ((outcome: CallOutcome) => void)[] = [];
  private waiters: (() => void)[] = [];

  readonly target = () =>
    new Promise<CallOutcome>((resolve) => {
      this.pending.push(resolve);
      for (const w of this.waiters.splice(0)) w();
    });

  /** Resolves once `n` calls are waiting to be answered. */
  async until(n: number): Promise<void> {
    while (this.pending.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  answerAll(servedBy = "a:1"): void {
    for (const resolve of this.pending.splice(0)) resolve({ code: 0, details: "", servedBy });
  }
}

describe("LoadGenerator", () => {
  it("keeps at most `concurrency` calls in flight, and stop() waits for them", async () => {
    const manual = new ManualTarget();
    const results: CallResult[] = [];
    const load = new LoadGenerator({
      target: manual.target,
      concurrency: 3,
      ratePerSecond: 0,
      deadlineMs: 1000,
      onResult: (r) => results.push(r),
    });
    load.start();
    await manual.until(3);
    assert.equal(manual.pending.length, 3);
    let stopped = false;
    const stopping = load.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, "stop() resolved with calls in flight");
    manual.answerAll();
    await stopping;
    assert.equal(results.length, 3);
    assert.equal(manual.pending.length, 0, "a call started after stop()");
    assert.ok(results.every((r) => r.code === 0 && r.servedBy === "a:1" && r.latencyMs >= 0));
  });

  it("settled(t) resolves once every call started before t has ended", async () => {
    const manual = new ManualTarget();
    const load = new LoadGenerator({
      target: manual.target,
      concurrency: 2,
      ratePerSecond: 0,
      deadlineMs: 1000,
      onResult: () => undefined,
    });
    load.start();
    await manual.until(2);
    let settled = false;
    const settling = load.settled(Date.now() + 1).then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    manual.answerAll();
    await settling;
    await manual.until(2); // the workers went on with new calls, started after t
    await load.settled(0);
    manual.answerAll();
    await load.stop();
  });

  it("rejects a concurrency below 1", () => {
    assert.throws(
      () =>
        new LoadGenerator({
          target: async () => ({ code: 0, details: "", servedBy: "" }),
          concurrency: 0,
          ratePerSecond: 0,
          deadlineMs: 1,
          onResult: () => undefined,
        }),
      /concurrency must be a whole number >= 1/,
    );
  });
});

describe("CallTally", () => {
  it("counts failures by status name and latencies per answering instance", () => {
    const tally = new CallTally();
    tally.record({ startedAt: 0, latencyMs: 2, code: 0, details: "", servedBy: "a:1" });
    tally.record({ startedAt: 0, latencyMs: 4, code: 0, details: "", servedBy: "b:1" });
    tally.record({ startedAt: 0, latencyMs: 9, code: 4, details: "deadline", servedBy: "" });
    const s = tally.snapshot();
    assert.equal(s.calls, 3);
    assert.equal(s.ok, 2);
    assert.equal(s.failed, 1);
    assert.deepEqual(s.failedByCode, { DEADLINE_EXCEEDED: 1 });
    assert.deepEqual(Object.keys(s.byInstance).sort(), ["a:1", "b:1"]);
    assert.equal(s.byInstance["a:1"]?.calls, 1);
    assert.deepEqual(s.failureSamples, ["DEADLINE_EXCEEDED: deadline"]);
  });
});
