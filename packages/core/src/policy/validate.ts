import {
  type CircuitBreaker,
  type LoadBalancing,
  LoadBalancing_Algorithm,
  type MethodPolicy,
  type OutlierDetection,
  type Policy,
  type RateLimit,
  type RetryPolicy,
} from "../gen/switchboard/v1/policy.js";
import { quote } from "../quote.js";
import { err, ok, type Result } from "../result.js";
import { POLICY_LIMITS as L } from "./defaults.js";
import { statusFromName } from "./status-codes.js";
import type {
  LbAlgorithmName,
  PolicyViolation,
  ResolvedBreakerConfig,
  ResolvedLoadBalancing,
  ResolvedMethodOverride,
  ResolvedOutlierDetection,
  ResolvedPolicy,
  ResolvedRateLimit,
  ResolvedRetry,
} from "./types.js";

/** Thrown inside core's validators only; turned into a PolicyViolation at their boundary. */
export class Violation extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

interface Range {
  readonly default?: number;
  readonly min: number;
  readonly max: number;
}

export function num(value: number | undefined, range: Range, field: string, integer = true): number {
  if (value === undefined || value === null) {
    if (range.default === undefined) throw new Violation(field, "is required");
    return range.default;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Violation(field, `must be a finite number (got ${String(value)})`);
  }
  if (integer && !Number.isInteger(value))
    throw new Violation(field, `must be a whole number (got ${value})`);
  if (value < range.min || value > range.max) {
    throw new Violation(field, `must be between ${range.min} and ${range.max} (got ${value})`);
  }
  return value;
}

function codes(list: readonly string[] | undefined, fallback: readonly string[], field: string): number[] {
  const names = list && list.length > 0 ? list : fallback;
  if (names.length > 17) throw new Violation(field, `has ${names.length} entries; at most 17`);
  const out: number[] = [];
  names.forEach((name, i) => {
    const code = statusFromName(String(name));
    if (code === undefined) {
      throw new Violation(
        `${field}[${i}]`,
        `${quote(String(name))} is not a gRPC status name (e.g. "UNAVAILABLE")`,
      );
    }
    if (code === 0) throw new Violation(`${field}[${i}]`, `"OK" cannot count as a failure`);
    if (!out.includes(code)) out.push(code);
  });
  return out;
}

const ALGORITHMS: ReadonlyMap<number, LbAlgorithmName> = new Map([
  [LoadBalancing_Algorithm.ALGORITHM_UNSPECIFIED, "round_robin"],
  [LoadBalancing_Algorithm.ALGORITHM_ROUND_ROBIN, "round_robin"],
  [LoadBalancing_Algorithm.ALGORITHM_RANDOM, "random"],
  [LoadBalancing_Algorithm.ALGORITHM_WEIGHTED_ROUND_ROBIN, "weighted_round_robin"],
  [LoadBalancing_Algorithm.ALGORITHM_LEAST_REQUEST, "least_request"],
  [LoadBalancing_Algorithm.ALGORITHM_PEAK_EWMA, "peak_ewma"],
  [LoadBalancing_Algorithm.ALGORITHM_RING_HASH, "ring_hash"],
]);

/** A metadata key as clients send it: lowercase. */
export const HEADER_RE = /^[0-9a-z_.-]+$/;

function loadBalancing(lb: LoadBalancing | undefined, f: string): ResolvedLoadBalancing {
  const algorithm = ALGORITHMS.get(lb?.algorithm ?? 0);
  if (algorithm === undefined) {
    const value = lb?.algorithm === -1 ? "(a value this SDK does not know)" : String(lb?.algorithm);
    throw new Violation(`${f}.algorithm`, `unknown load-balancing algorithm ${value}`);
  }
  const hashHeader = (lb?.hashHeader ?? "").toLowerCase();
  if (algorithm === "ring_hash") {
    if (hashHeader === "") throw new Violation(`${f}.hash_header`, "is required for ring_hash");
    if (hashHeader.length > L.loadBalancing.hashHeaderMaxLength || !HEADER_RE.test(hashHeader)) {
      throw new Violation(`${f}.hash_header`, `${quote(hashHeader)} is not a valid metadata key`);
    }
  } else if (hashHeader !== "") {
    throw new Violation(`${f}.hash_header`, "is only valid with ring_hash");
  }
  const zp = lb?.zonePreference;
  return {
    algorithm,
    choiceCount: num(lb?.choiceCount, L.loadBalancing.choiceCount, `${f}.choice_count`),
    ewmaDecayMs: num(lb?.ewmaDecayMs, L.loadBalancing.ewmaDecayMs, `${f}.ewma_decay_ms`),
    hashHeader,
    ringSize: num(lb?.ringSize, L.loadBalancing.ringSize, `${f}.ring_size`),
    zonePreference: zp
      ? {
          minHealthyPercent: num(
            zp.minHealthyPercent,
            L.zonePreference.minHealthyPercent,
            `${f}.zone_preference.min_healthy_percent`,
          ),
        }
      : undefined,
  };
}

function breaker(cb: CircuitBreaker | undefined, f: string): ResolvedBreakerConfig {
  const B = L.circuitBreaker;
  const config = {
    consecutiveFailures: num(cb?.consecutiveFailures, B.consecutiveFailures, `${f}.consecutive_failures`),
    failureRatePercent: num(cb?.failureRatePercent, B.failureRatePercent, `${f}.failure_rate_percent`),
    windowMs: num(cb?.windowMs, B.windowMs, `${f}.window_ms`),
    minimumCalls: num(cb?.minimumCalls, B.minimumCalls, `${f}.minimum_calls`),
    slowCallMs: num(cb?.slowCallMs, B.slowCallMs, `${f}.slow_call_ms`),
    slowCallRatePercent: num(cb?.slowCallRatePercent, B.slowCallRatePercent, `${f}.slow_call_rate_percent`),
    openDurationMs: num(cb?.openDurationMs, B.openDurationMs, `${f}.open_duration_ms`),
    halfOpenMaxRequests: num(cb?.halfOpenMaxRequests, B.halfOpenMaxRequests, `${f}.half_open_max_requests`),
    successThreshold: num(cb?.successThreshold, B.successThreshold, `${f}.success_threshold`),
    failureCodes: new Set(codes(cb?.failureCodes, B.failureCodes.default, `${f}.failure_codes`)),
  };
  if (config.consecutiveFailures === 0 && config.failureRatePercent === 0 && config.slowCallMs === 0) {
    throw new Violation(
      f,
      "has every trigger off; set consecutive_failures, failure_rate_percent or slow_call_ms",
    );
  }
  return config;
}

function outlier(od: OutlierDetection, f: string): ResolvedOutlierDetection {
  return {
    breaker: breaker(od.breaker, `${f}.breaker`),
    maxEjectionPercent: num(
      od.maxEjectionPercent,
      L.outlierDetection.maxEjectionPercent,
      `${f}.max_ejection_percent`,
    ),
  };
}

export function retry(r: RetryPolicy, f: string): ResolvedRetry {
  const R = L.retry;
  const initialBackoffMs = num(r.initialBackoffMs, R.initialBackoffMs, `${f}.initial_backoff_ms`);
  const maxBackoffMs = num(r.maxBackoffMs, R.maxBackoffMs, `${f}.max_backoff_ms`);
  if (maxBackoffMs < initialBackoffMs) {
    throw new Violation(
      `${f}.max_backoff_ms`,
      `must be >= initial_backoff_ms (${initialBackoffMs}); got ${maxBackoffMs}`,
    );
  }
  const b = r.budget;
  const ratio = num(b?.ratio, L.retryBudget.ratio, `${f}.budget.ratio`, false);
  if (b?.ratio !== undefined && ratio <= 0) throw new Violation(`${f}.budget.ratio`, "must be > 0");
  return {
    maxAttempts: num(r.maxAttempts, R.maxAttempts, `${f}.max_attempts`),
    retryableCodes: codes(r.retryableCodes, R.retryableCodes.default, `${f}.retryable_codes`),
    initialBackoffMs,
    maxBackoffMs,
    backoffMultiplier: num(r.backoffMultiplier, R.backoffMultiplier, `${f}.backoff_multiplier`, false),
    budget: {
      ratio,
      minRetriesPerSecond: num(
        b?.minRetriesPerSecond,
        L.retryBudget.minRetriesPerSecond,
        `${f}.budget.min_retries_per_second`,
      ),
      windowMs: num(b?.windowMs, L.retryBudget.windowMs, `${f}.budget.window_ms`),
    },
    perTryTimeoutMs:
      r.perTryTimeoutMs === undefined || r.perTryTimeoutMs === null
        ? undefined
        : num(r.perTryTimeoutMs, R.perTryTimeoutMs, `${f}.per_try_timeout_ms`),
  };
}

function rateLimit(rl: RateLimit, f: string): ResolvedRateLimit {
  const rps = num(rl.requestsPerSecond, L.rateLimit.requestsPerSecond, `${f}.requests_per_second`, false);
  if (rps <= 0) throw new Violation(`${f}.requests_per_second`, `must be > 0 (got ${rps})`);
  return {
    requestsPerSecond: rps,
    burst: num(rl.burst ?? Math.max(1, Math.ceil(rps)), L.rateLimit.burst, `${f}.burst`),
  };
}

export function timeout(value: number | undefined, f: string): number | undefined {
  return value === undefined || value === null ? undefined : num(value, L.timeoutMs, f);
}

const METHOD_KEY_RE = /^[A-Za-z_][A-Za-z0-9_.]*(\/[A-Za-z_][A-Za-z0-9_]*)?$/;

function methodOverride(m: MethodPolicy, f: string): ResolvedMethodOverride {
  if (m.retry?.budget) {
    // One budget bounds every retry to the service: per-method budgets would add up to more.
    throw new Violation(
      `${f}.retry.budget`,
      "the retry budget is per service; set it in policy.retry.budget",
    );
  }
  return {
    circuitBreaker: m.circuitBreaker ? breaker(m.circuitBreaker, `${f}.circuit_breaker`) : undefined,
    retry: m.retry ? retry(m.retry, `${f}.retry`) : undefined,
    timeoutMs: timeout(m.timeoutMs, `${f}.timeout_ms`),
    rateLimit: m.rateLimit ? rateLimit(m.rateLimit, `${f}.rate_limit`) : undefined,
  };
}

function resolve(p: Policy, f: string): ResolvedPolicy {
  const methods = new Map<string, ResolvedMethodOverride>();
  const entries = Object.entries(p.methods ?? {});
  if (entries.length > L.methods.maxEntries) {
    throw new Violation(`${f}.methods`, `has ${entries.length} entries; at most ${L.methods.maxEntries}`);
  }
  for (const [rawKey, m] of entries) {
    const key = rawKey.startsWith("/") ? rawKey.slice(1) : rawKey;
    const mf = `${f}.methods[${quote(rawKey)}]`;
    if (key.length === 0 || key.length > L.methods.maxKeyLength || !METHOD_KEY_RE.test(key)) {
      throw new Violation(mf, `key must be "package.Service/Method", "package.Service" or "Method"`);
    }
    if (methods.has(key)) throw new Violation(mf, `duplicates the key ${quote(key)}`);
    methods.set(key, methodOverride(m ?? {}, mf));
  }
  return {
    loadBalancing: loadBalancing(p.loadBalancing, `${f}.load_balancing`),
    circuitBreaker: p.circuitBreaker ? breaker(p.circuitBreaker, `${f}.circuit_breaker`) : undefined,
    outlierDetection: p.outlierDetection ? outlier(p.outlierDetection, `${f}.outlier_detection`) : undefined,
    retry: p.retry ? retry(p.retry, `${f}.retry`) : undefined,
    timeoutMs: timeout(p.timeoutMs, `${f}.timeout_ms`),
    rateLimit: p.rateLimit ? rateLimit(p.rateLimit, `${f}.rate_limit`) : undefined,
    methods,
  };
}

/**
 * Checks a policy and fills in every default. Fails with the first bad field, named by its
 * proto path under `root` (e.g. `policy.circuit_breaker.failure_rate_percent`).
 */
export function validatePolicy(
  policy: Policy | undefined,
  root = "policy",
): Result<ResolvedPolicy, PolicyViolation> {
  try {
    return ok(resolve(policy ?? { methods: {} }, root));
  } catch (e) {
    if (e instanceof Violation) return err({ field: e.field, message: e.message });
    throw e;
  }
}

/** The policy a service has when none is set: round robin, nothing else. */
export const DEFAULT_POLICY: ResolvedPolicy = (() => {
  const r = validatePolicy(undefined);
  if (!r.ok) throw new Error(`default policy is invalid: ${r.error.field} ${r.error.message}`);
  return r.value;
})();
