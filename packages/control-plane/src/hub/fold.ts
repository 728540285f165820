import type {
  RemovedEndpoint,
  ServiceDelta,
  ServiceSnapshot,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { Endpoint } from "@switchboard/core/gen/switchboard/v1/types.js";
import { endpointToProto, removalReasonToProto } from "../mapping.js";
import type { Change } from "../store/types.js";
import type { ServiceEntry } from "./service-entry.js";

type Folded = { readonly upsert: Endpoint } | { readonly removed: RemovedEndpoint };

/**
 * One delta for every change from `from` to `to`: the last word on each endpoint wins (an
 * endpoint added then removed is sent as removed), and only the latest policy and route table
 * are sent.
 */
export function foldDelta(
  service: string,
  from: number,
  to: number,
  changes: readonly Change[],
): ServiceDelta {
  const endpoints = new Map<string, Folded>();
  let policy: { policy: Policy | undefined } | undefined;
  let routes: { routes: RouteTable | undefined } | undefined;
  for (const c of changes) {
    switch (c.kind) {
      case "endpoint_upserted":
        endpoints.set(c.endpoint.id, { upsert: endpointToProto(c.endpoint) });
        break;
      case "endpoint_removed":
        endpoints.set(c.endpointId, {
          removed: { id: c.endpointId, reason: removalReasonToProto(c.reason) },
        });
        break;
      case "policy_set":
        policy = { policy: c.policy };
        break;
      case "policy_deleted":
        policy = { policy: undefined };
        break;
      case "routes_set":
        routes = { routes: c.routes };
        break;
      case "routes_deleted":
        routes = { routes: undefined };
        break;
    }
  }
  const upserted: Endpoint[] = [];
  const removed: RemovedEndpoint[] = [];
  for (const f of endpoints.values()) {
    if ("upsert" in f) upserted.push(f.upsert);
    else removed.push(f.removed);
  }
  return {
    service,
    fromVersion: from,
    version: to,
    upserted,
    removed,
    policyUpdate: policy,
    routeUpdate: routes,
  };
}

export function snapshotOf(entry: ServiceEntry): ServiceSnapshot {
  return {
    service: entry.name,
    version: entry.version,
    endpoints: entry.sortedEndpoints().map(endpointToProto),
    policy: entry.policy,
    routes: entry.routes,
    emptiedByAdmin: entry.emptiedByAdmin,
  };
}
