export { POLICY_LIMITS } from "./defaults.js";
export { policyForMethod } from "./method.js";
export { statusFromName, statusName } from "./status-codes.js";
export type {
  LbAlgorithmName,
  MethodPolicyView,
  PolicyViolation,
  ResolvedBreakerConfig,
  ResolvedLoadBalancing,
  ResolvedMethodOverride,
  ResolvedOutlierDetection,
  ResolvedPolicy,
  ResolvedRateLimit,
  ResolvedRetry,
  ResolvedRetryBudget,
  ResolvedZonePreference,
} from "./types.js";
export { DEFAULT_POLICY, validatePolicy } from "./validate.js";
