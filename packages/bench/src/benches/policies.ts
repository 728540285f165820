/** Mesh policies the benchmarks set through the Admin API. */
import {
  type DeepPartial,
  LoadBalancing_Algorithm,
  type Policy,
} from "@switchboard/core/gen/switchboard/v1/policy.js";

/** Data path (c): peak_ewma, a service circuit breaker and retries, every other setting at its default. */
export const DATA_PATH_POLICY: DeepPartial<Policy> = {
  loadBalancing: { algorithm: LoadBalancing_Algorithm.ALGORITHM_PEAK_EWMA },
  circuitBreaker: {},
  retry: { maxAttempts: 3, retryableCodes: ["UNAVAILABLE"] },
};

/**
 * Failover: the data-path policy with per-endpoint outlier ejection (its breaker and cap at their
 * defaults), which takes an instance that keeps failing out of rotation.
 */
export const FAILOVER_POLICY: DeepPartial<Policy> = { ...DATA_PATH_POLICY, outlierDetection: {} };

/**
 * Balancing policies compared by lb-quality: the three algorithms at their defaults, and
 * peak_ewma with a shorter decay (1 s instead of the default 10 s), to show what the decay does.
 */
export const LB_POLICIES = {
  round_robin: { algorithm: LoadBalancing_Algorithm.ALGORITHM_ROUND_ROBIN },
  least_request: { algorithm: LoadBalancing_Algorithm.ALGORITHM_LEAST_REQUEST },
  peak_ewma: { algorithm: LoadBalancing_Algorithm.ALGORITHM_PEAK_EWMA },
  "peak_ewma, ewma_decay_ms 1000": {
    algorithm: LoadBalancing_Algorithm.ALGORITHM_PEAK_EWMA,
    ewmaDecayMs: 1000,
  },
} as const satisfies Record<string, DeepPartial<Policy>["loadBalancing"]>;

export type LbName = keyof typeof LB_POLICIES;
