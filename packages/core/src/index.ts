// The wire contract's rules that the SDK and the control plane share. The generated messages and
// service definitions are at `@switchboard/core/gen/<path>.js` (switchboard/v1/*, grpc/health/v1/*).

export type { Clock } from "./clock.js";
export { FakeClock, monotonicClock, systemClock } from "./clock.js";
export type { EndpointFields, Health, HostPort } from "./endpoint/index.js";
export {
  defaultInstanceId,
  effectiveHealth,
  endpointToProto,
  formatEndpointId,
  HEALTH_VALUES,
  healthFromProto,
  healthToProto,
  parseHostPort,
} from "./endpoint/index.js";
export { isMeshError, MeshError } from "./errors.js";
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
} from "./policy/index.js";
export {
  DEFAULT_POLICY,
  POLICY_LIMITS,
  policyForMethod,
  statusFromName,
  statusName,
  validatePolicy,
} from "./policy/index.js";
export { quote } from "./quote.js";
export type { Result } from "./result.js";
export { err, ok } from "./result.js";
