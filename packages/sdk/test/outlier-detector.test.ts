import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import type { ResolvedOutlierDetection } from "@switchboard/core";
import { FakeClock } from "@switchboard/core";
import { OutlierDetector, type OutlierEvent } from "../src/breaker/outlier-detector.js";

const config: ResolvedOutlierDetection = {
  maxEjectionPercent: 50,
  breaker: {
    consecutiveFailures: 3,
    failureRatePercent: 0,
    windowMs: 10_000,
    minimumCalls: 20,
    slowCallMs: 0,
    slowCallRatePercent: 100,
    openDurationMs: 30_000,
    halfOpenMaxRequests: 1,
    successThreshold: 1,
    failureCodes: new Set([status.UNAVAILABLE]),
  },
};

function setup(keys: string[], overrides: Partial<ResolvedOutlierDetection> = {}) {
  const clock = new FakeClock();
  const detector = new OutlierDetector({ ...config, ...overrides }, clock);
  detector.setEndpoints(keys);
  const events: string[] = [];
  detector.onEjection((e: OutlierEvent) => events.push(`${e.kind} ${e.key}`));
  const fail = (key: string, times = 3) => {
    for (let i = 0; i < times; i++) detector.record(key, status.UNAVAILABLE, 5);
  };
  return { clock, detector, events, fail };
}

describe("outlier ejection", () => {
  it("ejects an endpoint whose calls keep failing, and tells listeners", () => {
    const { detector, events, fail } = setup(["a", "b", "c", "d"]);
    fail("a");
    assert.equal(detector.isEjected("a"), true);
    assert.equal(detector.canPick("a"), false);
    assert.equal(detector.canPick("b"), true);
    assert.equal(detector.ejectedCount, 1);
    assert.deepEqual(detector.ejectedKeys(), ["a"]);
    assert.deepEqual(events, ["ejected a"]);
  });

  it("lets one probe through after the open duration, and returns the endpoint when it succeeds", () => {
    const { clock, detector, events, fail } = setup(["a", "b"]);
    fail("a");
    clock.advance(30_000);
    assert.equal(detector.canPick("a"), true);
    assert.equal(detector.tryAcquire("a"), true);
    assert.equal(detector.canPick("a"), false, "its one probe slot is taken");
    assert.equal(detector.tryAcquire("a"), false);
    detector.record("a", status.OK, 5);
    assert.equal(detector.isEjected("a"), false);
    assert.equal(detector.ejectedCount, 0);
    assert.deepEqual(events, ["ejected a", "returned a"]);
  });

  it("never ejects more than max_ejection_percent of the endpoints", () => {
    const { detector, fail } = setup(["a", "b", "c", "d"]);
    fail("a");
    fail("b");
    fail("c");
    assert.equal(detector.ejectedCount, 2);
    assert.equal(detector.isEjected("c"), false, "c stays in: 2 of 4 is the cap");
    assert.equal(detector.canPick("c"), true);
  });

  it("ejects a held-back endpoint on its next failure once a slot frees up", () => {
    const { clock, detector, fail } = setup(["a", "b", "c", "d"]);
    fail("a");
    fail("b");
    fail("c");
    clock.advance(30_000);
    detector.tryAcquire("a");
    detector.record("a", status.OK, 5);
    fail("c", 1);
    assert.equal(detector.isEjected("c"), true);
    assert.equal(detector.ejectedCount, 2);
  });

  it("never ejects a lone endpoint at the default 50%", () => {
    const { detector, fail } = setup(["only"]);
    fail("only", 10);
    assert.equal(detector.isEjected("only"), false);
  });

  it("drops the state of endpoints that left, and starts returning ones afresh", () => {
    const { detector, fail } = setup(["a", "b", "c", "d"]);
    fail("a");
    detector.setEndpoints(["b", "c", "d"]);
    assert.equal(detector.ejectedCount, 0);
    detector.setEndpoints(["a", "b", "c", "d"]);
    assert.equal(detector.isEjected("a"), false);
    detector.record("gone", status.UNAVAILABLE, 5);
    assert.equal(detector.isEjected("gone"), false);
  });

  it("applies a live config change to every endpoint's breaker", () => {
    const { detector, fail } = setup(["a", "b"]);
    fail("a", 2);
    detector.updateConfig({ ...config, breaker: { ...config.breaker, consecutiveFailures: 2 } });
    fail("b", 2);
    assert.equal(detector.isEjected("b"), true);
  });

  it("holds back every ejection at max_ejection_percent 0", () => {
    const { detector, fail } = setup(["a", "b", "c", "d"], { maxEjectionPercent: 0 });
    fail("a", 10);
    assert.equal(detector.ejectedCount, 0);
  });
});
