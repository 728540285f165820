import { type EndpointRecord, effectiveHealth, type Health } from "../../store/types.js";
import { TYPE_URLS, type XdsMessage } from "../type-urls.js";
import { uint32 } from "./proto-values.js";

/** The region of every locality (Switchboard zones are flat), and the zone of endpoints that
 * registered without one: a locality is always set. */
export const XDS_REGION = "switchboard";
export const DEFAULT_XDS_ZONE = "default";

/** Only HEALTHY endpoints take calls from a gRPC client. */
const XDS_HEALTH: Readonly<Record<Health, string>> = {
  SERVING: "HEALTHY",
  DRAINING: "DRAINING",
  NOT_SERVING: "UNHEALTHY",
};

export function localityOf(zone: string): { region: string; zone: string } {
  return { region: XDS_REGION, zone: zone === "" ? DEFAULT_XDS_ZONE : zone };
}

function lbEndpoint(e: EndpointRecord): Record<string, unknown> {
  return {
    endpoint: { address: { socket_address: { address: e.host, port_value: e.port } } },
    health_status: XDS_HEALTH[effectiveHealth(e)],
    load_balancing_weight: uint32(Math.max(1, e.weight)),
  };
}

/**
 * ClusterLoadAssignment `<service>`: one locality per zone (in zone order), each weighted by the
 * sum of its serving endpoints' weights (at least 1), all at priority 0.
 */
export function loadAssignmentFor(service: string, endpoints: readonly EndpointRecord[]): XdsMessage {
  const zones = new Map<string, EndpointRecord[]>();
  for (const e of endpoints) {
    const zone = localityOf(e.zone).zone;
    const list = zones.get(zone);
    if (list) list.push(e);
    else zones.set(zone, [e]);
  }
  const localities = [...zones.keys()].sort().map((zone) => {
    const members = zones.get(zone) ?? [];
    const serving = members.filter((e) => effectiveHealth(e) === "SERVING");
    const weight = serving.reduce((sum, e) => sum + Math.max(1, e.weight), 0);
    return {
      locality: localityOf(zone),
      lb_endpoints: members.map(lbEndpoint),
      load_balancing_weight: uint32(Math.max(1, weight)),
      priority: 0,
    };
  });
  return { "@type": TYPE_URLS.endpoints, cluster_name: service, endpoints: localities };
}
