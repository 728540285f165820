import {
  type EndpointInfo,
  effectiveHealth,
  formatEndpointId,
  type Health,
  healthFromProto,
} from "@switchboard/core";
import type { Endpoint } from "@switchboard/core/gen/switchboard/v1/types.js";

export type EndpointHealth = Health;

/** One endpoint of a mesh service, as the client knows it. */
export interface MeshEndpoint extends EndpointInfo {
  readonly health: EndpointHealth;
}

/** The reported health; an unset or unknown value counts as SERVING. */
function reportedHealth(e: Endpoint): Health {
  const health = healthFromProto(e.health);
  return health === undefined || health === "invalid" ? "SERVING" : health;
}

/** Converts a wire endpoint; undefined when it cannot be used (no host or port). */
export function endpointFromProto(e: Endpoint): MeshEndpoint | undefined {
  if (!e.host || !e.port || e.port > 65535) return undefined;
  const host = e.host.startsWith("[") ? e.host.slice(1, -1) : e.host;
  const id = e.id || formatEndpointId(host, e.port);
  return {
    id,
    host,
    port: e.port,
    zone: e.zone,
    weight: e.weight > 0 ? e.weight : 1,
    metadata: e.metadata ?? {},
    health: effectiveHealth({ adminDrained: e.adminDrained, reportedHealth: reportedHealth(e) }),
  };
}

export function sameEndpoint(a: MeshEndpoint, b: MeshEndpoint): boolean {
  if (a.host !== b.host || a.port !== b.port || a.zone !== b.zone) return false;
  if (a.weight !== b.weight || a.health !== b.health) return false;
  const ak = Object.keys(a.metadata);
  if (ak.length !== Object.keys(b.metadata).length) return false;
  return ak.every((k) => a.metadata[k] === b.metadata[k]);
}
