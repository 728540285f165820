/**
 * The rollout stage machine and its gates, on a fake clock: stages hold for their time, need
 * cohort reports to pass, and a crossed gate rolls back with the reason recorded.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock, stickyBucket } from "@switchboard/core";
import { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { ReportedBreakerState } from "@switchboard/core/gen/switchboard/v1/types.js";
import type { FleetRecord } from "../src/fleet/fleet-record.js";
import { measureCohort } from "../src/rollout/cohort-gates.js";
import type { RolloutDoc } from "../src/rollout/rollout-doc.js";
import { abort, newRollout, pause, promote, resume, step } from "../src/rollout/rollout-machine.js";
import { cohortBuckets, resolveGates, resolveStages } from "../src/rollout/rollout-spec.js";
import type { SubscriberInfo } from "../src/store/types.js";

const SERVICE = "user-service";
const T0 = 1_700_000_000_000;

/** The first client ids below (in) and above (out of) the 50 % cohort. */
function clientIds(): { inside: string; outside: string } {
  let inside: string | undefined;
  let outside: string | undefined;
  for (let i = 0; !inside || !outside; i++) {
    const id = `client-${i}`;
    if (stickyBucket(id) < cohortBuckets(50)) inside ??= id;
    else outside ??= id;
  }
  return { inside, outside };
}
const { inside, outside } = clientIds();

function gates(overrides = {}) {
  const resolved = resolveGates({ minCohortCalls: 10, ...overrides });
  assert.ok(resolved.ok);
  return resolved.value;
}

function rollout(nowMs: number, overrides = {}): RolloutDoc {
  const stages = resolveStages([
    { percent: 50, holdMs: 10_000 },
    { percent: 100, holdMs: 10_000 },
  ]);
  assert.ok(stages.ok);
  return newRollout({
    id: "r1",
    service: SERVICE,
    stages: stages.value,
    gates: gates(overrides),
    policy: { timeoutMs: 250 },
    routes: undefined,
    nowMs,
    serviceVersion: 7,
  });
}

interface Calls {
  readonly calls: number;
  readonly errors?: number;
  readonly p99Ms?: number;
  readonly breaker?: ReportedBreakerState;
}

function report(clientId: string, atMs: number, c: Calls): FleetRecord {
  const breaker = c.breaker ?? ReportedBreakerState.REPORTED_BREAKER_STATE_CLOSED;
  return {
    clientId,
    zone: "",
    sdkVersion: "",
    replicaId: "r",
    receivedAtMs: atMs,
    report: ClientReport.fromPartial({
      service: SERVICE,
      intervalMs: 1000,
      windowMs: 1000,
      serviceBreaker: breaker,
      methods: [
        {
          method: "echo.v1.Echo/Say",
          breaker,
          calls: c.calls,
          errors: c.errors ? [{ code: 14, count: c.errors }] : [],
          latencyP50Ms: 1,
          latencyP99Ms: c.p99Ms ?? 5,
        },
      ],
    }),
  };
}

function measure(doc: RolloutDoc, nowMs: number, records: FleetRecord[], subscribers: SubscriberInfo[] = []) {
  return measureCohort({
    service: SERVICE,
    cohortBuckets: cohortBuckets(doc.stages[doc.stage]?.percent ?? 0),
    stageStartedAtMs: doc.stageStartedAtMs,
    nackAfterVersion: doc.nackAfterVersion,
    gates: doc.gates,
    records,
    subscribers,
    nowMs,
  });
}

describe("rollout stage machine", () => {
  it("holds a stage for its hold time, then moves the cohort to the next stage", () => {
    const clock = new FakeClock(T0);
    const doc = rollout(clock.now());
    clock.advance(5000);
    const healthy = [report(inside, clock.now(), { calls: 50 }), report(outside, clock.now(), { calls: 50 })];
    const early = step(doc, measure(doc, clock.now(), healthy), clock.now(), 8);
    assert.equal(early.doc.stage, 0, "still within the stage's hold time");
    assert.equal(early.effect.overlay, undefined);
    clock.advance(5000);
    const later = [report(inside, clock.now(), { calls: 50 }), report(outside, clock.now(), { calls: 50 })];
    const moved = step(early.doc, measure(early.doc, clock.now(), later), clock.now(), 9);
    assert.equal(moved.doc.stage, 1);
    assert.equal(moved.effect.overlay?.cohortBuckets, 1_000_000);
    assert.equal(moved.doc.nackAfterVersion, 9);
    assert.equal(moved.doc.events.at(-1)?.kind, "stage");
  });

  it("does not pass a stage without enough calls from the cohort", () => {
    const clock = new FakeClock(T0);
    const doc = rollout(clock.now());
    clock.advance(20_000);
    const thin = [report(inside, clock.now(), { calls: 3 }), report(outside, clock.now(), { calls: 500 })];
    const t = step(doc, measure(doc, clock.now(), thin), clock.now(), 8);
    assert.equal(t.doc.stage, 0);
    assert.equal(t.doc.state, "RUNNING");
    assert.deepEqual(t.doc.counts, { cohortClients: 1, cohortCalls: 3, otherClients: 1 });
  });

  it("does not count reports received before the stage began", () => {
    const clock = new FakeClock(T0);
    const doc = rollout(clock.now());
    const before = [report(inside, T0 - 1, { calls: 100 })];
    clock.advance(20_000);
    assert.equal(measure(doc, T0, before).counts.cohortClients, 0);
  });

  it("rolls back when a cohort client's breaker opens, recording the gate, measure and limit", () => {
    const clock = new FakeClock(T0);
    const doc = rollout(clock.now());
    clock.advance(1000);
    const open = ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN;
    const t = step(
      doc,
      measure(doc, clock.now(), [report(inside, clock.now(), { calls: 1, breaker: open })]),
      clock.now(),
      8,
    );
    assert.equal(t.doc.state, "ROLLED_BACK");
    assert.equal(t.effect.overlay, null, "every client goes back to the baseline");
    assert.match(t.doc.reason, /gate breaker_open_clients crossed at stage 1: measured 1 > limit 0/);
    assert.equal(t.doc.events.at(-1)?.kind, "rolled_back");
  });

  it("ignores an open breaker outside the cohort", () => {
    const clock = new FakeClock(T0);
    const doc = rollout(clock.now());
    const open = ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN;
    const m = measure(doc, clock.now(), [report(outside, clock.now(), { calls: 1, breaker: open })]);
    assert.equal(m.readings.find((r) => r.gate === "breaker_open_clients")?.crossed, false);
  });

  it("rolls back on an error-rate increase over the other clients', once the cohort made enough calls", () => {
    const clock = new FakeClock(T0);
    const doc = rollout(clock.now(), { maxErrorRateIncrease: 0.1 });
    const few = [report(inside, T0, { calls: 5, errors: 5 }), report(outside, T0, { calls: 100, errors: 1 })];
    assert.equal(step(doc, measure(doc, T0, few), T0, 8).doc.state, "RUNNING", "5 calls say too little");
    const many = [
      report(inside, T0, { calls: 100, errors: 20 }),
      report(outside, T0, { calls: 100, errors: 1 }),
    ];
    const t = step(doc, measure(doc, T0, many), T0, 8);
    assert.equal(t.doc.state, "ROLLED_BACK");
    assert.match(t.doc.reason, /error_rate_increase .*measured 0.19 > limit 0.1/);
  });

  it("rolls back when the cohort's P99 is more than the ratio above the other clients'", () => {
    const doc = rollout(T0, { maxP99Ratio: 3 });
    const slow = [
      report(inside, T0, { calls: 50, p99Ms: 40 }),
      report(outside, T0, { calls: 50, p99Ms: 10 }),
    ];
    const t = step(doc, measure(doc, T0, slow), T0, 8);
    assert.match(t.doc.reason, /p99_ratio .*measured 4 > limit 3/);
  });

  it("rolls back when a cohort subscriber NACKs a version of the stage", () => {
    const doc = rollout(T0);
    const subscriber = (clientId: string, lastNackVersion: number): SubscriberInfo => ({
      replicaId: "r",
      clientId,
      zone: "",
      sdkVersion: "",
      peer: "",
      connectedAtMs: T0,
      epoch: "e",
      subscriptions: [
        {
          service: SERVICE,
          sentVersion: 8,
          ackedVersion: 7,
          nackCount: 1,
          lastNackVersion,
          lastNackReason: "invalid",
          ackedRouteVersion: 0,
        },
      ],
    });
    const old = measure(doc, T0, [], [subscriber(inside, 7), subscriber(outside, 8)]);
    assert.equal(
      old.readings.find((r) => r.gate === "nack_share")?.measured,
      0,
      "a NACK of an older version",
    );
    const t = step(doc, measure(doc, T0, [], [subscriber(inside, 8)]), T0, 8);
    assert.match(t.doc.reason, /nack_share crossed at stage 1: measured 1 > limit 0/);
  });

  it("completes after the last stage, making the candidate the service's policy", () => {
    const clock = new FakeClock(T0);
    let doc = rollout(clock.now());
    for (let i = 0; i < 2; i++) {
      clock.advance(10_000);
      const healthy = [
        report(inside, clock.now(), { calls: 50 }),
        report(outside, clock.now(), { calls: 50 }),
      ];
      const t = step(doc, measure(doc, clock.now(), healthy), clock.now(), 8 + i);
      doc = t.doc;
      if (i === 1) {
        assert.equal(t.doc.state, "COMPLETED");
        assert.equal(t.effect.overlay, null);
        assert.equal(t.effect.applyPolicy?.timeoutMs, 250);
      }
    }
  });

  it("holds while paused (gates still roll back), restarts the hold on resume, and promotes and aborts on demand", () => {
    const clock = new FakeClock(T0);
    const paused = pause(rollout(clock.now()), clock.now()).doc;
    clock.advance(60_000);
    const healthy = [report(inside, clock.now(), { calls: 50 })];
    assert.equal(step(paused, measure(paused, clock.now(), healthy), clock.now(), 8).doc.stage, 0);
    const open = ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN;
    const bad = [report(inside, clock.now(), { calls: 1, breaker: open })];
    assert.equal(step(paused, measure(paused, clock.now(), bad), clock.now(), 8).doc.state, "ROLLED_BACK");
    const resumed = resume(paused, clock.now()).doc;
    assert.equal(resumed.stageStartedAtMs, clock.now());
    assert.equal(step(resumed, measure(resumed, clock.now(), healthy), clock.now(), 8).doc.stage, 0);
    const promoted = promote(resumed, clock.now(), 8);
    assert.equal(promoted.doc.stage, 1);
    const aborted = abort(promoted.doc, clock.now(), "");
    assert.equal(aborted.doc.state, "ABORTED");
    assert.equal(aborted.doc.reason, "aborted by an operator");
    assert.equal(aborted.effect.overlay, null);
  });
});

describe("rollout plan checks", () => {
  it("names the field of a gate out of range", () => {
    const r = resolveGates({ maxErrorRateIncrease: 1.5 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.field, "gates.max_error_rate_increase");
  });

  it("fills every gate's default", () => {
    const r = resolveGates(undefined);
    assert.deepEqual(r.ok && r.value, {
      maxNackShare: 0,
      maxErrorRateIncrease: 0.05,
      maxP99Ratio: 2,
      maxBreakerOpenClients: 0,
      minCohortClients: 1,
      minCohortCalls: 10,
    });
  });

  it("wants stages that grow and end at 100 %, each held 1 s .. 24 h", () => {
    const shrink = resolveStages([
      { percent: 10, holdMs: 1000 },
      { percent: 5, holdMs: 1000 },
    ]);
    assert.equal(!shrink.ok && shrink.error.field, "stages[1].percent");
    const short = resolveStages([{ percent: 100, holdMs: 10 }]);
    assert.equal(!short.ok && short.error.field, "stages[0].hold_ms");
    const unfinished = resolveStages([{ percent: 50, holdMs: 1000 }]);
    assert.equal(!unfinished.ok && unfinished.error.field, "stages[0].percent");
    const defaults = resolveStages([]);
    assert.deepEqual(defaults.ok && defaults.value.map((s) => s.percent), [1, 10, 50, 100]);
  });
});
