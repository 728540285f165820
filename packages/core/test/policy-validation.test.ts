import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import {
  type DeepPartial,
  LoadBalancing_Algorithm,
  Policy,
} from "@switchboard/core/gen/switchboard/v1/policy.js";
import { DEFAULT_POLICY, policyForMethod, type ResolvedPolicy, validatePolicy } from "../src/index.js";

function valid(partial: DeepPartial<Policy>): ResolvedPolicy {
  const result = validatePolicy(Policy.fromPartial(partial));
  if (!result.ok) assert.fail(`rejected: ${result.error.field} ${result.error.message}`);
  return result.value;
}

function violation(partial: DeepPartial<Policy>, root?: string) {
  const result = validatePolicy(Policy.fromPartial(partial), root);
  if (result.ok) return assert.fail("accepted an invalid policy");
  return result.error;
}

describe("policy defaults", () => {
  it("is round robin and nothing else when no policy is set", () => {
    assert.equal(DEFAULT_POLICY.loadBalancing.algorithm, "round_robin");
    assert.equal(DEFAULT_POLICY.loadBalancing.zonePreference, undefined);
    assert.equal(DEFAULT_POLICY.circuitBreaker, undefined);
    assert.equal(DEFAULT_POLICY.outlierDetection, undefined);
    assert.equal(DEFAULT_POLICY.retry, undefined);
    assert.equal(DEFAULT_POLICY.timeoutMs, undefined);
    assert.equal(DEFAULT_POLICY.rateLimit, undefined);
    assert.equal(DEFAULT_POLICY.methods.size, 0);
    assert.deepEqual(valid({}), DEFAULT_POLICY);
  });

  it("fills every load-balancing default", () => {
    const lb = valid({
      loadBalancing: { algorithm: LoadBalancing_Algorithm.ALGORITHM_PEAK_EWMA, zonePreference: {} },
    });
    assert.deepEqual(lb.loadBalancing, {
      algorithm: "peak_ewma",
      choiceCount: 2,
      ewmaDecayMs: 10_000,
      hashHeader: "",
      ringSize: 1024,
      zonePreference: { minHealthyPercent: 50 },
    });
  });

  it("turns a breaker on with every default when the message is present but empty", () => {
    assert.deepEqual(valid({ circuitBreaker: {} }).circuitBreaker, {
      consecutiveFailures: 5,
      failureRatePercent: 50,
      windowMs: 10_000,
      minimumCalls: 20,
      slowCallMs: 0,
      slowCallRatePercent: 100,
      openDurationMs: 10_000,
      halfOpenMaxRequests: 1,
      successThreshold: 1,
      failureCodes: new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN]),
    });
  });

  it("fills retry, budget, outlier and rate-limit defaults", () => {
    const p = valid({ retry: {}, outlierDetection: {}, rateLimit: { requestsPerSecond: 2.5 } });
    assert.deepEqual(p.retry, {
      maxAttempts: 3,
      retryableCodes: [status.UNAVAILABLE],
      initialBackoffMs: 25,
      maxBackoffMs: 250,
      backoffMultiplier: 2,
      budget: { ratio: 0.2, minRetriesPerSecond: 10, windowMs: 10_000 },
      perTryTimeoutMs: undefined,
    });
    assert.equal(valid({ retry: { perTryTimeoutMs: 200 } }).retry?.perTryTimeoutMs, 200);
    assert.equal(p.outlierDetection?.maxEjectionPercent, 50);
    assert.equal(p.outlierDetection?.breaker.consecutiveFailures, 5);
    assert.deepEqual(p.rateLimit, { requestsPerSecond: 2.5, burst: 3 }, "burst: the rate rounded up");
    assert.equal(valid({ rateLimit: { requestsPerSecond: 0.2 } }).rateLimit?.burst, 1);
  });
});

describe("policy range checks name the exact field", () => {
  const cases: [string, DeepPartial<Policy>][] = [
    ["policy.circuit_breaker.consecutive_failures", { circuitBreaker: { consecutiveFailures: 10_001 } }],
    ["policy.circuit_breaker.failure_rate_percent", { circuitBreaker: { failureRatePercent: 101 } }],
    ["policy.circuit_breaker.window_ms", { circuitBreaker: { windowMs: 999 } }],
    ["policy.retry.per_try_timeout_ms", { retry: { perTryTimeoutMs: 0 } }],
    [
      'policy.methods["GetUser"].retry.budget',
      { methods: { GetUser: { retry: { budget: { ratio: 0.5 } } } } },
    ],
    ["policy.circuit_breaker.minimum_calls", { circuitBreaker: { minimumCalls: 0 } }],
    ["policy.circuit_breaker.slow_call_ms", { circuitBreaker: { slowCallMs: 3_600_001 } }],
    ["policy.circuit_breaker.slow_call_rate_percent", { circuitBreaker: { slowCallRatePercent: 0 } }],
    ["policy.circuit_breaker.open_duration_ms", { circuitBreaker: { openDurationMs: 99 } }],
    ["policy.circuit_breaker.half_open_max_requests", { circuitBreaker: { halfOpenMaxRequests: 0 } }],
    ["policy.circuit_breaker.success_threshold", { circuitBreaker: { successThreshold: 1_001 } }],
    ["policy.load_balancing.choice_count", { loadBalancing: { choiceCount: 1 } }],
    ["policy.load_balancing.choice_count", { loadBalancing: { choiceCount: 11 } }],
    ["policy.load_balancing.ewma_decay_ms", { loadBalancing: { ewmaDecayMs: 99 } }],
    [
      "policy.load_balancing.ring_size",
      { loadBalancing: { algorithm: 6, hashHeader: "x-user", ringSize: 15 } },
    ],
    [
      "policy.load_balancing.zone_preference.min_healthy_percent",
      { loadBalancing: { zonePreference: { minHealthyPercent: 0 } } },
    ],
    ["policy.outlier_detection.max_ejection_percent", { outlierDetection: { maxEjectionPercent: 101 } }],
    ["policy.outlier_detection.breaker.window_ms", { outlierDetection: { breaker: { windowMs: 600_001 } } }],
    ["policy.retry.max_attempts", { retry: { maxAttempts: 6 } }],
    ["policy.retry.max_attempts", { retry: { maxAttempts: 0 } }],
    ["policy.retry.initial_backoff_ms", { retry: { initialBackoffMs: 0 } }],
    ["policy.retry.backoff_multiplier", { retry: { backoffMultiplier: 0.5 } }],
    ["policy.retry.budget.ratio", { retry: { budget: { ratio: 1.5 } } }],
    ["policy.retry.budget.ratio", { retry: { budget: { ratio: 0 } } }],
    ["policy.retry.budget.min_retries_per_second", { retry: { budget: { minRetriesPerSecond: 10_001 } } }],
    ["policy.retry.budget.window_ms", { retry: { budget: { windowMs: 999 } } }],
    ["policy.timeout_ms", { timeoutMs: 0 }],
    ["policy.timeout_ms", { timeoutMs: 3_600_001 }],
    ["policy.rate_limit.requests_per_second", { rateLimit: { requestsPerSecond: 0 } }],
    ["policy.rate_limit.requests_per_second", { rateLimit: { requestsPerSecond: 1_000_001 } }],
    ["policy.rate_limit.burst", { rateLimit: { requestsPerSecond: 10, burst: 0 } }],
    ['policy.methods["pkg.Svc/Get"].timeout_ms', { methods: { "pkg.Svc/Get": { timeoutMs: 0 } } }],
    [
      'policy.methods["pkg.Svc"].circuit_breaker.minimum_calls',
      { methods: { "pkg.Svc": { circuitBreaker: { minimumCalls: 0 } } } },
    ],
    [
      'policy.methods["Get"].rate_limit.burst',
      { methods: { Get: { rateLimit: { requestsPerSecond: 1, burst: 0 } } } },
    ],
  ];
  for (const [field, partial] of cases) {
    it(`rejects ${field} = ${JSON.stringify(partial)}`, () => {
      assert.equal(violation(partial).field, field);
    });
  }

  it("says what range was expected and what it got", () => {
    assert.match(
      violation({ circuitBreaker: { failureRatePercent: 101 } }).message,
      /between 0 and 100 \(got 101\)/,
    );
  });

  it("rejects fractions where a whole number is expected, and non-finite numbers", () => {
    assert.match(violation({ circuitBreaker: { windowMs: 1_000.5 } }).message, /whole number/);
    assert.equal(violation({ retry: { budget: { ratio: Number.NaN } } }).field, "policy.retry.budget.ratio");
  });

  it("names fields under the root it is given", () => {
    assert.equal(violation({ timeoutMs: 0 }, "request.policy").field, "request.policy.timeout_ms");
  });

  it("rejects a breaker with every trigger switched off", () => {
    const v = violation({ circuitBreaker: { consecutiveFailures: 0, failureRatePercent: 0, slowCallMs: 0 } });
    assert.equal(v.field, "policy.circuit_breaker");
  });
});

describe("policy load-balancing checks", () => {
  it("rejects an algorithm number it does not know (one a newer control plane might send)", () => {
    const fromTheFuture = 99 as LoadBalancing_Algorithm;
    assert.equal(
      violation({ loadBalancing: { algorithm: fromTheFuture } }).field,
      "policy.load_balancing.algorithm",
    );
    const unrecognized = LoadBalancing_Algorithm.UNRECOGNIZED;
    assert.equal(
      violation({ loadBalancing: { algorithm: unrecognized } }).field,
      "policy.load_balancing.algorithm",
    );
  });

  it("requires hash_header for ring_hash, and lower-cases it", () => {
    const ring = LoadBalancing_Algorithm.ALGORITHM_RING_HASH;
    assert.equal(
      violation({ loadBalancing: { algorithm: ring } }).field,
      "policy.load_balancing.hash_header",
    );
    assert.equal(
      valid({ loadBalancing: { algorithm: ring, hashHeader: "X-User-Id" } }).loadBalancing.hashHeader,
      "x-user-id",
    );
  });

  it("rejects a hash_header that is not a metadata key, or set without ring_hash", () => {
    const ring = LoadBalancing_Algorithm.ALGORITHM_RING_HASH;
    assert.equal(
      violation({ loadBalancing: { algorithm: ring, hashHeader: "x user" } }).field,
      "policy.load_balancing.hash_header",
    );
    assert.equal(
      violation({ loadBalancing: { hashHeader: "x-user" } }).field,
      "policy.load_balancing.hash_header",
    );
  });
});

describe("policy status-code lists", () => {
  it("names the bad entry of a status list", () => {
    const v = violation({ circuitBreaker: { failureCodes: ["UNAVAILABLE", "NOPE"] } });
    assert.equal(v.field, "policy.circuit_breaker.failure_codes[1]");
    assert.match(v.message, /"NOPE" is not a gRPC status name/);
    assert.equal(
      violation({ retry: { retryableCodes: ["TIMEOUT"] } }).field,
      "policy.retry.retryable_codes[0]",
    );
  });

  it("refuses OK as a failure code", () => {
    assert.equal(
      violation({ circuitBreaker: { failureCodes: ["OK"] } }).field,
      "policy.circuit_breaker.failure_codes[0]",
    );
  });

  it("accepts status names in any case and drops duplicates", () => {
    const p = valid({ retry: { retryableCodes: ["unavailable", "UNAVAILABLE", "Resource_Exhausted"] } });
    assert.deepEqual(p.retry?.retryableCodes, [status.UNAVAILABLE, status.RESOURCE_EXHAUSTED]);
  });
});

describe("policy retry backoff", () => {
  it("rejects max_backoff_ms below initial_backoff_ms", () => {
    const v = violation({ retry: { initialBackoffMs: 100, maxBackoffMs: 50 } });
    assert.equal(v.field, "policy.retry.max_backoff_ms");
    assert.match(v.message, /initial_backoff_ms \(100\)/);
  });

  it("rejects an initial backoff above the default cap unless the cap is raised too", () => {
    assert.equal(violation({ retry: { initialBackoffMs: 500 } }).field, "policy.retry.max_backoff_ms");
    assert.equal(valid({ retry: { initialBackoffMs: 500, maxBackoffMs: 500 } }).retry?.maxBackoffMs, 500);
  });
});

describe("policy per-method overrides", () => {
  const policy = valid({
    timeoutMs: 1_000,
    circuitBreaker: {},
    rateLimit: { requestsPerSecond: 100 },
    retry: { maxAttempts: 2, retryableCodes: ["UNAVAILABLE", "ABORTED"] },
    methods: {
      "pkg.Svc/Get": { timeoutMs: 10, circuitBreaker: { consecutiveFailures: 2 } },
      "pkg.Svc": { timeoutMs: 20, rateLimit: { requestsPerSecond: 5 } },
      Get: { timeoutMs: 30, retry: { maxAttempts: 5 } },
    },
  });

  it('picks the most specific key: "pkg.Svc/M", then "pkg.Svc", then "M", then the service', () => {
    assert.equal(policyForMethod(policy, "/pkg.Svc/Get").timeoutMs, 10);
    assert.equal(policyForMethod(policy, "/pkg.Svc/List").timeoutMs, 20);
    assert.equal(policyForMethod(policy, "/other.Svc/Get").timeoutMs, 30);
    assert.equal(policyForMethod(policy, "/other.Svc/List").timeoutMs, 1_000);
  });

  it("gives a method with a breaker of its own a breaker scope of its key, the others the service's", () => {
    const own = policyForMethod(policy, "/pkg.Svc/Get");
    assert.equal(own.breakerScope, "pkg.Svc/Get");
    assert.equal(own.circuitBreaker?.consecutiveFailures, 2);
    const shared = policyForMethod(policy, "/pkg.Svc/List");
    assert.equal(shared.breakerScope, "*");
    assert.equal(shared.circuitBreaker, policy.circuitBreaker);
  });

  it("gives a method with a bucket of its own a bucket scope of its key, the others the service's", () => {
    const own = policyForMethod(policy, "/pkg.Svc/List");
    assert.equal(own.rateLimitScope, "pkg.Svc");
    assert.equal(own.rateLimit?.requestsPerSecond, 5);
    const shared = policyForMethod(policy, "/pkg.Svc/Get");
    assert.equal(shared.rateLimitScope, "*");
    assert.equal(shared.rateLimit, policy.rateLimit);
  });

  it("replaces an overridden field as a whole: an override's retry does not inherit the service's codes", () => {
    const retry = policyForMethod(policy, "/other.Svc/Get").retry;
    assert.equal(retry?.maxAttempts, 5);
    assert.deepEqual(retry?.retryableCodes, [status.UNAVAILABLE]);
    assert.equal(policyForMethod(policy, "/other.Svc/List").retry?.maxAttempts, 2);
  });

  it('accepts keys written with a leading "/" and rejects a key given twice that way', () => {
    const p = valid({ methods: { "/pkg.Svc/Get": { timeoutMs: 7 } } });
    assert.equal(policyForMethod(p, "/pkg.Svc/Get").timeoutMs, 7);
    const v = violation({ methods: { "/pkg.Svc/Get": {}, "pkg.Svc/Get": {} } });
    assert.match(v.message, /duplicates/);
  });

  it("rejects a key that is not a method, service or method name", () => {
    assert.equal(
      violation({ methods: { "pkg.Svc/Get/Extra": {} } }).field,
      'policy.methods["pkg.Svc/Get/Extra"]',
    );
    assert.equal(violation({ methods: { "": {} } }).field, 'policy.methods[""]');
  });
});
