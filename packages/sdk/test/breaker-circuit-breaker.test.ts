import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import type { ResolvedBreakerConfig } from "@switchboard/core";
import { FakeClock } from "@switchboard/core";
import { type BreakerStateChange, CircuitBreaker } from "../src/breaker/circuit-breaker.js";

/** Consecutive trigger only, unless a test turns the others on. */
const base: ResolvedBreakerConfig = {
  consecutiveFailures: 5,
  failureRatePercent: 0,
  windowMs: 10_000,
  minimumCalls: 20,
  slowCallMs: 0,
  slowCallRatePercent: 100,
  openDurationMs: 10_000,
  halfOpenMaxRequests: 1,
  successThreshold: 1,
  failureCodes: new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN]),
};

function setup(overrides: Partial<ResolvedBreakerConfig> = {}) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({ ...base, ...overrides }, clock);
  const changes: string[] = [];
  breaker.onStateChange((c: BreakerStateChange) => changes.push(`${c.from}->${c.to}`));
  const call = (ok: boolean, durationMs = 5) => {
    assert.ok(breaker.tryAcquire(), "call rejected");
    if (ok) breaker.onSuccess(durationMs);
    else breaker.onFailure(durationMs);
  };
  return { clock, breaker, changes, call };
}

/** Opens the breaker of `setup()` (consecutive trigger, 5 failures). */
function opened(overrides: Partial<ResolvedBreakerConfig> = {}) {
  const s = setup(overrides);
  for (let i = 0; i < 5; i++) s.call(false);
  assert.equal(s.breaker.state, "open");
  return s;
}

describe("circuit breaker: consecutive failures", () => {
  it("opens on the fifth failure in a row and rejects calls while open", () => {
    const { breaker, call } = setup();
    for (let i = 0; i < 4; i++) call(false);
    assert.equal(breaker.state, "closed");
    call(false);
    assert.equal(breaker.state, "open");
    assert.equal(breaker.tryAcquire(), false);
  });

  it("starts counting again after a success", () => {
    const { breaker, call } = setup();
    for (let i = 0; i < 4; i++) call(false);
    call(true);
    for (let i = 0; i < 4; i++) call(false);
    assert.equal(breaker.state, "closed");
  });

  it("tells how long until probes are let through", () => {
    const { clock, breaker } = opened();
    assert.equal(breaker.retryAfterMs(), 10_000);
    clock.advance(4_000);
    assert.equal(breaker.retryAfterMs(), 6_000);
  });
});

describe("circuit breaker: failure rate", () => {
  const rate = { consecutiveFailures: 0, failureRatePercent: 50, minimumCalls: 10 };

  it("does not judge the rate before the window holds minimum_calls calls", () => {
    const { breaker, call } = setup(rate);
    for (let i = 0; i < 9; i++) call(false);
    assert.equal(breaker.state, "closed");
    call(false);
    assert.equal(breaker.state, "open");
  });

  it("opens when failures reach the rate, and not below it", () => {
    const { breaker, call } = setup(rate);
    for (let i = 0; i < 6; i++) call(true);
    for (let i = 0; i < 4; i++) call(false);
    assert.equal(breaker.state, "closed", "4 of 10 is under 50%");
    call(false);
    assert.equal(breaker.state, "closed", "5 of 11 is under 50%");
    call(false);
    assert.equal(breaker.state, "open", "6 of 12 is 50%");
  });

  it("forgets calls that slid out of the window", () => {
    const { clock, breaker, call } = setup(rate);
    for (let i = 0; i < 9; i++) call(false);
    clock.advance(10_000);
    call(false);
    assert.equal(breaker.state, "closed", "one call in the window");
  });
});

describe("circuit breaker: slow calls", () => {
  const slow = { consecutiveFailures: 0, slowCallMs: 100, slowCallRatePercent: 50, minimumCalls: 4 };

  it("opens when slow calls reach their rate, even though they succeeded", () => {
    const { breaker, call } = setup(slow);
    call(true, 20);
    call(true, 20);
    call(true, 150);
    assert.equal(breaker.state, "closed");
    call(true, 150);
    assert.equal(breaker.state, "open");
  });

  it("does not count a call of exactly slow_call_ms as slow", () => {
    const { breaker, call } = setup(slow);
    for (let i = 0; i < 10; i++) call(true, 100);
    assert.equal(breaker.state, "closed");
  });
});

describe("circuit breaker: half-open", () => {
  it("lets probes through after the open duration, at most half_open_max_requests at once", () => {
    const { clock, breaker } = opened({ halfOpenMaxRequests: 2 });
    clock.advance(9_999);
    assert.equal(breaker.tryAcquire(), false);
    clock.advance(1);
    assert.equal(breaker.state, "half_open");
    assert.equal(breaker.tryAcquire(), true);
    assert.equal(breaker.tryAcquire(), true);
    assert.equal(breaker.tryAcquire(), false);
    breaker.release();
    assert.equal(breaker.tryAcquire(), true, "a released probe frees its slot");
  });

  it("closes after success_threshold probe successes", () => {
    const { clock, breaker, changes, call } = opened({ successThreshold: 2 });
    clock.advance(10_000);
    call(true);
    assert.equal(breaker.state, "half_open");
    call(true);
    assert.equal(breaker.state, "closed");
    assert.deepEqual(changes, ["closed->open", "open->half_open", "half_open->closed"]);
  });

  it("reopens on a probe failure, for a whole new open duration", () => {
    const { clock, breaker, call } = opened();
    clock.advance(10_000);
    call(false);
    assert.equal(breaker.state, "open");
    assert.equal(breaker.retryAfterMs(), 10_000);
  });

  it("reopens on a slow probe when the slow-call trigger is on", () => {
    const { clock, breaker, call } = opened({ slowCallMs: 100 });
    clock.advance(10_000);
    call(true, 500);
    assert.equal(breaker.state, "open");
  });

  it("starts closed with clean counts, so old failures do not reopen it", () => {
    const { clock, breaker, call } = opened();
    clock.advance(10_000);
    call(true);
    for (let i = 0; i < 4; i++) call(false);
    assert.equal(breaker.state, "closed");
  });
});

describe("circuit breaker: outcomes by status code", () => {
  it("counts failure codes as failures, other codes as successes, and CANCELLED not at all", () => {
    const { breaker } = setup({ consecutiveFailures: 2 });
    const end = (code: status) => {
      breaker.tryAcquire();
      breaker.recordOutcome(code, 5);
    };
    end(status.UNAVAILABLE);
    end(status.CANCELLED);
    end(status.NOT_FOUND);
    end(status.UNAVAILABLE);
    assert.equal(breaker.state, "closed", "NOT_FOUND broke the run; CANCELLED did not count");
    end(status.DEADLINE_EXCEEDED);
    assert.equal(breaker.state, "open");
  });

  it("counts only the configured failure codes", () => {
    const { breaker } = setup({ consecutiveFailures: 1, failureCodes: new Set([status.RESOURCE_EXHAUSTED]) });
    breaker.recordOutcome(status.UNAVAILABLE, 5);
    assert.equal(breaker.state, "closed");
    breaker.recordOutcome(status.RESOURCE_EXHAUSTED, 5);
    assert.equal(breaker.state, "open");
  });

  it("frees a probe slot when a probe is cancelled", () => {
    const { clock, breaker } = opened();
    clock.advance(10_000);
    assert.ok(breaker.tryAcquire());
    breaker.recordOutcome(status.CANCELLED, 5);
    assert.equal(breaker.state, "half_open");
    assert.ok(breaker.tryAcquire());
  });
});

describe("circuit breaker: live config and state", () => {
  it("keeps the run of failures when the threshold changes", () => {
    const { breaker, call } = setup();
    for (let i = 0; i < 3; i++) call(false);
    breaker.updateConfig({ ...base, consecutiveFailures: 4 });
    call(false);
    assert.equal(breaker.state, "open");
  });

  it("measures an open breaker's time against the new open duration", () => {
    const { clock, breaker } = opened();
    clock.advance(2_000);
    breaker.updateConfig({ ...base, openDurationMs: 3_000 });
    assert.equal(breaker.retryAfterMs(), 1_000);
    clock.advance(1_000);
    assert.equal(breaker.state, "half_open");
  });

  it("closes a half-open breaker whose probe successes already meet a lowered threshold", () => {
    const { clock, breaker, call } = opened({ successThreshold: 3 });
    clock.advance(10_000);
    call(true);
    breaker.updateConfig({ ...base, successThreshold: 1 });
    assert.equal(breaker.state, "closed");
  });

  it("serialises its state and resumes from it", () => {
    const { clock, breaker } = opened();
    const json = JSON.parse(JSON.stringify(breaker));
    assert.equal(json.state, "open");
    assert.equal(json.retryAfterMs, 10_000);
    const resumed = new CircuitBreaker(base, clock, { restore: json });
    assert.equal(resumed.state, "open");
    clock.advance(10_000);
    assert.equal(resumed.state, "half_open");
  });

  it("stays closed when its owner refuses to let it open", () => {
    const clock = new FakeClock();
    let allow = false;
    const breaker = new CircuitBreaker(base, clock, { canOpen: () => allow });
    for (let i = 0; i < 7; i++) breaker.onFailure(5);
    assert.equal(breaker.state, "closed");
    allow = true;
    breaker.onFailure(5);
    assert.equal(breaker.state, "open");
  });

  it("stops telling a listener that unsubscribed", () => {
    const { breaker, changes, call } = setup({ consecutiveFailures: 1 });
    const seen: string[] = [];
    const off = breaker.onStateChange((c) => seen.push(c.to));
    off();
    call(false);
    assert.deepEqual(seen, []);
    assert.deepEqual(changes, ["closed->open"]);
  });
});
