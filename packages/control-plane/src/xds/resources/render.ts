import { createHash } from "node:crypto";
import { DEFAULT_POLICY, type ResolvedPolicy, validatePolicy } from "@switchboard/core";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { EndpointRecord } from "../../store/types.js";
import type { ResourceKind, XdsMessage } from "../type-urls.js";
import { clusterFor, rejectedClusterFor } from "./cluster.js";
import { loadAssignmentFor } from "./endpoints.js";
import { listenerFor } from "./listener.js";
import { routeConfigurationFor } from "./route.js";

/** One rendered resource and a digest of its content (equal digests: nothing to resend). */
export interface RenderedResource {
  readonly message: XdsMessage;
  readonly digest: string;
}

/** The four resources of one service at one service version. */
export interface ServiceResources {
  readonly service: string;
  readonly version: number;
  readonly byKind: Readonly<Record<ResourceKind, RenderedResource>>;
}

/** What a service is rendered from (a hub ServiceEntry provides it). */
export interface ServiceSource {
  readonly name: string;
  readonly version: number;
  readonly policy: Policy | undefined;
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
    const service = source.name;
    const resources: ServiceResources = {
      service,
      version: source.version,
      byKind: {
        listener: rendered(listenerFor(service)),
        route: rendered(routeConfigurationFor(service, policy)),
        cluster: rendered(reject ? rejectedClusterFor(service, policy) : clusterFor(service, policy)),
        endpoints: rendered(loadAssignmentFor(service, source.sortedEndpoints())),
      },
    };
    this.cache.set(source, { key, resources });
    return resources;
  }
}
