// Client side: the mesh client (one per process) and everything grpc-js channels use through it.

// State machines, usable on their own.
export type {
  BalancerDeps,
  BalancerPicker,
  Pickable,
  PickContext,
  ZoneAccess,
  ZoneSelection,
} from "./balancer/index.js";
export { createBalancer, EndpointLoad, preferLocalZone } from "./balancer/index.js";
export type {
  BreakerSnapshot,
  BreakerState,
  BreakerStateChange,
  CallOutcome,
  OutlierEvent,
} from "./breaker/index.js";
export { CircuitBreaker, classifyOutcome, OutlierDetector } from "./breaker/index.js";
export type {
  CallOptionsLike as MeshCallOptions,
  MethodDescriptor,
  UnaryMethod,
} from "./client/dynamic-call.js";
export type { EndpointHealth, MeshEndpoint } from "./client/endpoint.js";
export type { MeshClient } from "./client/mesh-client.js";
export { createMeshClient } from "./client/mesh-client.js";
export type { MeshClientOptions } from "./client/options.js";
export { resolveMeshClientOptions } from "./client/options.js";
export type { EndpointStats, MeshStats, MethodStats, ServiceStats } from "./client/stats.js";
export type { ConnectivityName } from "./client/traffic-state.js";
export type { Clock } from "./clock.js";
export { FakeClock, monotonicClock, systemClock } from "./clock.js";
// Errors, clocks.
export type { Result } from "./errors.js";
export { isMeshError, MeshError } from "./errors.js";
// Policy model (shared with the control plane). `Policy` is the wire message (type and codec:
// `Policy.fromPartial({...})` builds one for Admin.SetPolicy).
export { Policy } from "./gen/switchboard/v1/policy.js";
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
export { TokenBucket } from "./ratelimit/index.js";
export { RetryBudget } from "./retry/index.js";
// Server side.
export type { MeshServer, MeshServerAddress, MeshServerState } from "./server/mesh-server.js";
export { createMeshServer } from "./server/mesh-server.js";
export type { MeshServerOptions } from "./server/options.js";
export type { CallStatsSnapshot } from "./stats/index.js";
export { CallStats, CallStatsTable, LatencyHistogram } from "./stats/index.js";
export { SDK_VERSION } from "./version.js";
