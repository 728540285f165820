import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import type { ResolvedBreakerConfig } from "@switchboard/core";
import { FakeClock } from "@switchboard/core";
import { type BreakerPermit, CircuitBreaker } from "../src/breaker/circuit-breaker.js";
import { OutlierDetector } from "../src/breaker/outlier-detector.js";

const OPEN_MS = 10_000;

const config: ResolvedBreakerConfig = {
  consecutiveFailures: 3,
  failureRatePercent: 0,
  windowMs: 10_000,
  minimumCalls: 20,
  slowCallMs: 0,
  slowCallRatePercent: 100,
  openDurationMs: OPEN_MS,
  halfOpenMaxRequests: 1,
  successThreshold: 3,
  failureCodes: new Set([status.UNAVAILABLE]),
};

function admitted(breaker: CircuitBreaker): BreakerPermit {
  const permit = breaker.admit();
  assert.ok(permit, "call rejected");
  return permit;
}

/** A breaker with two long calls admitted while closed, then opened and now half-open. */
function halfOpenWithSlowClosedCalls(overrides: Partial<ResolvedBreakerConfig> = {}) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({ ...config, ...overrides }, clock);
  const slowCalls = [admitted(breaker), admitted(breaker)];
  for (let i = 0; i < 3; i++) breaker.onFailure(5, admitted(breaker));
  assert.equal(breaker.state, "open");
  clock.advance(OPEN_MS);
  assert.equal(breaker.state, "half_open");
  return { clock, breaker, slowCalls };
}

describe("circuit breaker: probe slots", () => {
  it("keeps a probe slot taken when a call admitted while closed succeeds during half-open", () => {
    const { breaker, slowCalls } = halfOpenWithSlowClosedCalls();
    admitted(breaker); // the one probe
    breaker.onSuccess(5, slowCalls[0]);
    assert.equal(breaker.admit(), undefined, "a second probe ran beside the first");
    assert.equal(breaker.toJSON().halfOpenInFlight, 1);
    assert.equal(breaker.toJSON().halfOpenSuccesses, 1, "the success still counts as evidence");
  });

  it("keeps a probe slot taken when a call admitted while closed is cancelled during half-open", () => {
    const { breaker, slowCalls } = halfOpenWithSlowClosedCalls();
    admitted(breaker);
    breaker.recordOutcome(status.CANCELLED, 5, slowCalls[1]);
    assert.equal(breaker.admit(), undefined);
  });

  it("frees the slot when the probe itself ends", () => {
    const { breaker } = halfOpenWithSlowClosedCalls();
    const probe = admitted(breaker);
    breaker.recordOutcome(status.CANCELLED, 5, probe);
    assert.ok(breaker.admit(), "the probe's slot stayed taken");
  });

  it("does not let a probe of an earlier half-open period free a slot of the current one", () => {
    const { clock, breaker } = halfOpenWithSlowClosedCalls({ halfOpenMaxRequests: 2 });
    const lateProbe = admitted(breaker);
    breaker.onFailure(5, admitted(breaker));
    assert.equal(breaker.state, "open");
    clock.advance(OPEN_MS);
    admitted(breaker);
    admitted(breaker);
    breaker.onSuccess(5, lateProbe);
    assert.equal(breaker.admit(), undefined, "three probes at once with half_open_max_requests 2");
  });
});

describe("outlier detection: probe slots", () => {
  it("does not free an ejected endpoint's probe slot when a call sent before the ejection ends", () => {
    const clock = new FakeClock();
    const detector = new OutlierDetector({ breaker: config, maxEjectionPercent: 100 }, clock);
    detector.setEndpoints(["a", "b"]);
    const before = detector.admit("a");
    for (let i = 0; i < 3; i++) detector.record("a", status.UNAVAILABLE, 5, detector.admit("a"));
    assert.equal(detector.isEjected("a"), true);
    clock.advance(OPEN_MS);
    assert.equal(detector.canPick("a"), true);
    detector.admit("a"); // the probe
    detector.record("a", status.OK, 5, before);
    assert.equal(detector.canPick("a"), false, "a second probe was let through");
  });
});

describe("a probe that never ends", () => {
  it("gives its slot back after the open duration, so the endpoint is probed again", () => {
    const { clock, breaker } = halfOpenWithSlowClosedCalls();
    const lost = admitted(breaker); // a pick grpc-js threw away: nothing ever ends it
    assert.equal(breaker.canAcquire(), false, "the only probe slot is held");
    clock.advance(OPEN_MS - 1);
    assert.equal(breaker.canAcquire(), false, "held for the open duration");
    clock.advance(1);
    assert.equal(breaker.canAcquire(), true, "the lost probe's slot is given back");
    const probe = admitted(breaker);
    breaker.release(lost); // the lost probe turns up after all: it frees nothing of the new period
    assert.equal(breaker.canAcquire(), false, "the new probe still holds its slot");
    breaker.onSuccess(5, probe);
    assert.equal(breaker.canAcquire(), true);
  });
});
