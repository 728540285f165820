// The contract's rules that the SDK and the control plane share. The generated messages and
// service definitions are at `@switchboard/core/gen/<path>.js` (switchboard/v1/*, grpc/health/v1/*).

export type { Clock } from "./clock.js";
export { FakeClock, monotonicClock, systemClock } from "./clock.js";
export { formatEndpointId } from "./endpoint/endpoint-id.js";
export type { EndpointInfo } from "./endpoint/endpoint-info.js";
export type { EndpointFields } from "./endpoint/endpoint-proto.js";
export { endpointToProto } from "./endpoint/endpoint-proto.js";
export type { Health } from "./endpoint/health.js";
export { effectiveHealth, HEALTH_VALUES, healthFromProto, healthToProto } from "./endpoint/health.js";
export type { HostPort } from "./endpoint/host-port.js";
export { parseHostPort } from "./endpoint/host-port.js";
export { defaultInstanceId } from "./endpoint/instance-id.js";
export { isServiceName, SERVICE_NAME_MAX_LENGTH } from "./endpoint/service-name.js";
export { isMeshError, MeshError } from "./errors.js";
export type { LogDestination, LogDestinationOptions } from "./log-destination.js";
export { guardedLogDestination } from "./log-destination.js";
export { POLICY_LIMITS } from "./policy/defaults.js";
export { policyForMethod } from "./policy/method.js";
export { statusFromName, statusName } from "./policy/status-codes.js";
export type * from "./policy/types.js";
export { DEFAULT_POLICY, validatePolicy } from "./policy/validate.js";
export { quote } from "./quote.js";
export { CLIENT_REPORT_LIMITS } from "./report/limits.js";
export type { Result } from "./result.js";
export { err, ok } from "./result.js";
export { ROUTE_LIMITS } from "./route/limits.js";
export { destinationForBucket, STICKY_BUCKETS, stickyBucket } from "./route/sticky.js";
export { inSubset } from "./route/subset-match.js";
export type * from "./route/types.js";
export { validateRouteTable } from "./route/validate.js";
