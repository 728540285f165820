/** A policy with every default applied and every value checked. What the SDK runs on. */

export type LbAlgorithmName =
  | "round_robin"
  | "random"
  | "weighted_round_robin"
  | "least_request"
  | "peak_ewma"
  | "ring_hash";

export interface ResolvedZonePreference {
  readonly minHealthyPercent: number;
}

export interface ResolvedLoadBalancing {
  readonly algorithm: LbAlgorithmName;
  readonly choiceCount: number;
  readonly ewmaDecayMs: number;
  /** Lower-cased metadata key; "" unless the algorithm is ring_hash. */
  readonly hashHeader: string;
  readonly ringSize: number;
  readonly zonePreference: ResolvedZonePreference | undefined;
}

export interface ResolvedBreakerConfig {
  readonly consecutiveFailures: number;
  readonly failureRatePercent: number;
  readonly windowMs: number;
  readonly minimumCalls: number;
  readonly slowCallMs: number;
  readonly slowCallRatePercent: number;
  readonly openDurationMs: number;
  readonly halfOpenMaxRequests: number;
  readonly successThreshold: number;
  /** gRPC status codes that count as failures. */
  readonly failureCodes: ReadonlySet<number>;
}

export interface ResolvedOutlierDetection {
  readonly breaker: ResolvedBreakerConfig;
  readonly maxEjectionPercent: number;
}

export interface ResolvedRetryBudget {
  readonly ratio: number;
  readonly minRetriesPerSecond: number;
  readonly windowMs: number;
}

export interface ResolvedRetry {
  readonly maxAttempts: number;
  readonly retryableCodes: readonly number[];
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  readonly budget: ResolvedRetryBudget;
  /** Per-attempt wait for a first answer, ms; undefined: none. */
  readonly perTryTimeoutMs: number | undefined;
}

export interface ResolvedRateLimit {
  readonly requestsPerSecond: number;
  readonly burst: number;
}

export interface ResolvedMethodOverride {
  readonly circuitBreaker: ResolvedBreakerConfig | undefined;
  readonly retry: ResolvedRetry | undefined;
  readonly timeoutMs: number | undefined;
  readonly rateLimit: ResolvedRateLimit | undefined;
}

export interface ResolvedPolicy {
  readonly loadBalancing: ResolvedLoadBalancing;
  readonly circuitBreaker: ResolvedBreakerConfig | undefined;
  readonly outlierDetection: ResolvedOutlierDetection | undefined;
  readonly retry: ResolvedRetry | undefined;
  readonly timeoutMs: number | undefined;
  readonly rateLimit: ResolvedRateLimit | undefined;
  /** Keyed as in Policy.methods ("pkg.Service/Method", "pkg.Service" or "Method"). */
  readonly methods: ReadonlyMap<string, ResolvedMethodOverride>;
}

/** The policy that applies to one method, with the scope its breaker and bucket belong to. */
export interface MethodPolicyView {
  readonly circuitBreaker: ResolvedBreakerConfig | undefined;
  /** Calls sharing a scope share one breaker: "*" (the service) or a Policy.methods key. */
  readonly breakerScope: string;
  readonly retry: ResolvedRetry | undefined;
  readonly timeoutMs: number | undefined;
  readonly rateLimit: ResolvedRateLimit | undefined;
  /** Calls sharing a scope share one token bucket. */
  readonly rateLimitScope: string;
}

/** What was wrong with a policy: the field path (proto names) and why. */
export interface PolicyViolation {
  readonly field: string;
  readonly message: string;
}
