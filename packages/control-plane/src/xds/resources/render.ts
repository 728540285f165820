import { createHash } from "node:crypto";
import {
  DEFAULT_POLICY,
  inSubset,
  type ResolvedPolicy,
  type ResolvedRouteTable,
  validatePolicy,
  validateRouteTable,
} from "@switchboard/core";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { EndpointRecord } from "../../store/types.js";
import type { ResourceKind, XdsMessage } from "../type-urls.js";
import { clusterFor, rejectedClusterFor } from "./cluster.js";
import { loadAssignmentFor } from "./endpoints.js";
import { listenerFor } from "./listener.js";
import { routeConfigurationFor } from "./route.js";
import { subsetClusterName } from "./route-rules.js";

/** One rendered resource and a digest of its content (equal digests: nothing to resend). */
export interface RenderedResource {
  readonly message: XdsMessage;
  readonly digest: string;
}

/** The Cluster and ClusterLoadAssignment of one subset a route sends calls to. */
export interface SubsetResources {
  readonly cluster: RenderedResource;
  readonly endpoints: RenderedResource;
}

/** The four resources of one service at one service version, and one Cluster and
 * ClusterLoadAssignment per subset its route table sends calls to. */
export interface ServiceResources {
  readonly service: string;
  readonly version: number;
  readonly byKind: Readonly<Record<ResourceKind, RenderedResource>>;
  /** By subset name (resource name `<service>/<subset>`). */
  readonly subsets: ReadonlyMap<string, SubsetResources>;
}

/** The resource of `kind` named `name` among a service's, or undefined when it has none (a
 * subset no route uses, or one of a table since deleted): the client then learns it does not
 * exist. */
export function resourceNamed(
  resources: ServiceResources,
  kind: ResourceKind,
  name: string,
): RenderedResource | undefined {
  if (name === resources.service) return resources.byKind[kind];
  if (kind !== "cluster" && kind !== "endpoints") return undefined;
  const subset = name.slice(resources.service.length + 1);
  return name.startsWith(`${resources.service}/`) ? resources.subsets.get(subset)?.[kind] : undefined;
}

/** What a service is rendered from (a hub ServiceEntry provides it). */
export interface ServiceSource {
  readonly name: string;
  readonly version: number;
  readonly policy: Policy | undefined;
  readonly routes: RouteTable | undefined;
  sortedEndpoints(): EndpointRecord[];
}

function rendered(message: XdsMessage): RenderedResource {
  const digest = createHash("sha256").update(JSON.stringify(message)).digest("hex").slice(0, 16);
  return { message, digest };
}

/** The stored policy, resolved (the Admin API only stores valid ones; anything else is served
 * as the default policy). */
function resolvedPolicy(policy: Policy | undefined): ResolvedPolicy {
  const r = validatePolicy(policy, "policy");
  return r.ok ? r.value : DEFAULT_POLICY;
}

/** The stored route table, resolved (the Admin API only stores valid ones; anything else is
 * served as no table). */
function resolvedRoutes(routes: RouteTable | undefined): ResolvedRouteTable | undefined {
  if (routes === undefined) return undefined;
  const r = validateRouteTable(routes, "routes");
  return r.ok ? r.value : undefined;
}

/** A Cluster and an assignment of the matching endpoints for each subset a rule sends calls to,
 * balanced like the whole service. */
function subsetResources(
  service: string,
  policy: ResolvedPolicy,
  table: ResolvedRouteTable | undefined,
  endpoints: readonly EndpointRecord[],
): Map<string, SubsetResources> {
  const out = new Map<string, SubsetResources>();
  for (const rule of table?.rules ?? []) {
    for (const d of rule.destinations) {
      if (d.target.kind !== "subset" || d.weight === 0 || out.has(d.target.subset)) continue;
      const subset = table?.subsets.get(d.target.subset);
      if (!subset) continue;
      const name = subsetClusterName(service, subset.name);
      out.set(subset.name, {
        cluster: rendered(clusterFor(name, policy)),
        endpoints: rendered(
          loadAssignmentFor(
            name,
            endpoints.filter((e) => inSubset(subset, e.metadata)),
          ),
        ),
      });
    }
  }
  return out;
}

/**
 * Renders each service once per version and shares the result between every xDS stream on
 * this replica. `rejectCluster` is the test hook that serves a Cluster every client rejects.
 */
export class ResourceRenderer {
  private readonly cache = new WeakMap<ServiceSource, { key: string; resources: ServiceResources }>();
  readonly rejectedClusters = new Set<string>();

  render(source: ServiceSource): ServiceResources {
    const reject = this.rejectedClusters.has(source.name);
    const key = `${source.version}/${reject}`;
    const hit = this.cache.get(source);
    if (hit && hit.key === key) return hit.resources;
    const policy = resolvedPolicy(source.policy);
    const table = resolvedRoutes(source.routes);
    const service = source.name;
    const endpoints = source.sortedEndpoints();
    const resources: ServiceResources = {
      service,
      version: source.version,
      byKind: {
        listener: rendered(listenerFor(service)),
        route: rendered(routeConfigurationFor(service, policy, table)),
        cluster: rendered(reject ? rejectedClusterFor(service, policy) : clusterFor(service, policy)),
        endpoints: rendered(loadAssignmentFor(service, endpoints)),
      },
      subsets: subsetResources(service, policy, table, endpoints),
    };
    this.cache.set(source, { key, resources });
    return resources;
  }
}
