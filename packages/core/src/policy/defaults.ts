/**
 * Defaults and valid ranges for every policy field. The proto comments in
 * proto/switchboard/v1/policy.proto and docs/policy-reference.md state the same values;
 * a test keeps the three in agreement.
 */
export const POLICY_LIMITS = {
  loadBalancing: {
    choiceCount: { default: 2, min: 2, max: 10 },
    ewmaDecayMs: { default: 10_000, min: 100, max: 600_000 },
    ringSize: { default: 1024, min: 16, max: 65_536 },
    hashHeaderMaxLength: 128,
  },
  zonePreference: {
    minHealthyPercent: { default: 50, min: 1, max: 100 },
  },
  circuitBreaker: {
    consecutiveFailures: { default: 5, min: 0, max: 10_000 },
    failureRatePercent: { default: 50, min: 0, max: 100 },
    windowMs: { default: 10_000, min: 1_000, max: 600_000 },
    minimumCalls: { default: 20, min: 1, max: 100_000 },
    slowCallMs: { default: 0, min: 0, max: 3_600_000 },
    slowCallRatePercent: { default: 100, min: 1, max: 100 },
    openDurationMs: { default: 10_000, min: 100, max: 3_600_000 },
    halfOpenMaxRequests: { default: 1, min: 1, max: 1_000 },
    successThreshold: { default: 1, min: 1, max: 1_000 },
    failureCodes: { default: ["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN"] },
  },
  outlierDetection: {
    maxEjectionPercent: { default: 50, min: 0, max: 100 },
  },
  retry: {
    maxAttempts: { default: 3, min: 1, max: 5 },
    retryableCodes: { default: ["UNAVAILABLE"] },
    initialBackoffMs: { default: 25, min: 1, max: 60_000 },
    maxBackoffMs: { default: 250, min: 1, max: 300_000 },
    backoffMultiplier: { default: 2, min: 1, max: 10 },
    perTryTimeoutMs: { min: 1, max: 3_600_000 },
  },
  retryBudget: {
    ratio: { default: 0.2, min: 0, max: 1 },
    minRetriesPerSecond: { default: 10, min: 0, max: 10_000 },
    windowMs: { default: 10_000, min: 1_000, max: 600_000 },
  },
  timeoutMs: { min: 1, max: 3_600_000 },
  rateLimit: {
    requestsPerSecond: { min: 0, max: 1_000_000 },
    burst: { min: 1, max: 1_000_000 },
  },
  /** Keys in Policy.methods. */
  methods: { maxEntries: 256, maxKeyLength: 256 },
} as const;
