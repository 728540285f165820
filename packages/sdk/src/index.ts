// The SDK's user API: the mesh client and server, their options, the stats they report, the
// error they throw (`MeshError`, one family with the control plane's errors), and the policy
// model: `Policy` is the wire message (type and codec: `Policy.fromPartial({...})` builds one for
// Admin.SetPolicy), `validatePolicy` checks one and fills in every default, and the parts of a
// `ResolvedPolicy` are its properties' types (`ResolvedPolicy["retry"]`, ...). State machines
// and other building blocks are at `@switchboard/sdk/internals`.

export type { Clock, LbAlgorithmName, PolicyViolation, ResolvedPolicy, Result } from "@switchboard/core";
export { DEFAULT_POLICY, isMeshError, MeshError, POLICY_LIMITS, validatePolicy } from "@switchboard/core";
export { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
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
export { withPropagatedHeaders } from "./route/propagation.js";
export type { RouteDestinationStats } from "./route/route-record.js";
export type { MeshServer, MeshServerAddress, MeshServerState } from "./server/mesh-server.js";
export { createMeshServer } from "./server/mesh-server.js";
export type { MeshServerOptions } from "./server/options.js";
export type { CallStatsSnapshot } from "./stats/index.js";
export type { MeterProviderLike, TracerProviderLike } from "./telemetry/provider-types.js";
export { SDK_VERSION } from "./version.js";
