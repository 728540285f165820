export { formatEndpointId } from "./endpoint-id.js";
export type { EndpointFields } from "./endpoint-proto.js";
export { endpointToProto } from "./endpoint-proto.js";
export type { Health } from "./health.js";
export { effectiveHealth, HEALTH_VALUES, healthFromProto, healthToProto } from "./health.js";
export type { HostPort } from "./host-port.js";
export { parseHostPort } from "./host-port.js";
export { defaultInstanceId } from "./instance-id.js";
