import { type ChannelOptions, connectivityState, experimental } from "@grpc/grpc-js";
import type { ResolvedLoadBalancing } from "@switchboard/core";
import { inSubset, monotonicClock } from "@switchboard/core";
import { EndpointLoad } from "../balancer/endpoint-load.js";
import { createBalancer } from "../balancer/registry.js";
import type { BalancerPicker } from "../balancer/types.js";
import { preferLocalZone } from "../balancer/zone.js";
import type { MeshEndpoint } from "../client/endpoint.js";
import type { ServiceRuntime } from "../client/service-runtime.js";
import type { ConnectivityName } from "../client/traffic-state.js";
import type { Router } from "../route/router.js";
import { MeshPicker, type PickEntry, type SubsetPick, type SubsetPickers } from "./picker.js";

export const MESH_LB_NAME = "switchboard_mesh";
/** Resolver attribute carrying the ServiceRuntime to the balancer (attributes reach it as channel options). */
export const RUNTIME_ATTRIBUTE = "switchboard.internal.runtime";

/**
 * Defaults for every mesh connection; a channel option set by the user wins. Keepalive detects a
 * frozen or unplugged endpoint in seconds (its calls then fail with UNAVAILABLE and are retried
 * elsewhere). The reconnect backoff is capped at 5 s (grpc-js: 120 s) so an instance restarted
 * on the same address is used again quickly; failed connects to a dead address are cheap.
 */
const SUBCHANNEL_DEFAULTS: ChannelOptions = {
  "grpc.keepalive_time_ms": 5_000,
  "grpc.keepalive_timeout_ms": 2_000,
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 5_000,
};

class MeshLbConfig implements experimental.TypedLoadBalancingConfig {
  constructor(readonly service: string) {}

  getLoadBalancerName(): string {
    return MESH_LB_NAME;
  }

  toJsonObject(): object {
    return { [MESH_LB_NAME]: { service: this.service } };
  }

  static createFromJson(obj: unknown): MeshLbConfig {
    const service = (obj as { service?: unknown } | null)?.service;
    if (typeof service !== "string" || service === "") {
      throw new Error(`${MESH_LB_NAME} config needs a "service" string`);
    }
    return new MeshLbConfig(service);
  }
}

/** A balancer entry, kept per child and updated in place. */
class ChildEntry implements PickEntry {
  constructor(
    readonly key: string,
    public weight: number,
    public load: EndpointLoad,
    public picker: experimental.Picker,
    public probing: boolean,
  ) {}
}

interface Child {
  readonly key: string;
  readonly leaf: experimental.LeafLoadBalancer;
  readonly entry: ChildEntry;
}

interface Candidate {
  readonly child: Child;
  readonly endpoint: MeshEndpoint;
  /** May take calls now: serving, not ejected (or probing), connected. */
  readonly healthy: boolean;
  /** Would be healthy once its connection is up (connecting or idle, not failed). */
  readonly reachable: boolean;
  readonly probing: boolean;
  readonly state: connectivityState;
}

interface Census {
  candidates: Candidate[];
  connecting: number;
  draining: number;
  notServing: number;
  ejected: number;
  unreachable: number;
}

/**
 * The `switchboard_mesh` load-balancing policy. Keeps one pick-first child (a connection) per
 * endpoint of the service, and publishes a MeshPicker over the endpoints that may take calls
 * now: connected, SERVING, not ejected, in the preferred zone. Draining endpoints keep their
 * connections (in-flight calls finish) but get no new calls.
 */
class MeshLoadBalancer implements experimental.LoadBalancer {
  private readonly children = new Map<string, Child>();
  private readonly childHelper: experimental.ChannelControlHelper;
  private runtime: ServiceRuntime | undefined;
  private unsubscribe: (() => void) | undefined;
  private paused = false;
  private lastError = "";
  /** Balancers by scope ("" for the whole service, else a subset name), kept while their endpoints stay. */
  private readonly cached = new Map<
    string,
    { signature: string; lb: ResolvedLoadBalancing; picker: BalancerPicker<PickEntry> }
  >();
  /** Services this one's routes send calls to: their new pickers wake calls waiting for them. */
  private readonly peers = new Map<ServiceRuntime, () => void>();

  constructor(private readonly helper: experimental.ChannelControlHelper) {
    this.childHelper = experimental.createChildChannelControlHelper(helper, {
      updateState: (_state, _picker, error) => {
        if (error) this.lastError = error;
        this.refresh();
      },
      createSubchannel: (address, args) =>
        helper.createSubchannel(address, { ...SUBCHANNEL_DEFAULTS, ...args }),
    });
  }

  updateAddressList(
    endpoints: experimental.StatusOr<experimental.Endpoint[]>,
    config: experimental.TypedLoadBalancingConfig,
    options: ChannelOptions,
    note: string,
  ): boolean {
    if (!(config instanceof MeshLbConfig)) return false;
    const runtime = (options as Record<string, unknown>)[RUNTIME_ATTRIBUTE] as ServiceRuntime | undefined;
    if (runtime && runtime !== this.runtime) {
      this.unsubscribe?.();
      this.runtime?.publishPicker(this, undefined);
      this.runtime = runtime;
      this.unsubscribe = runtime.onChange(() => this.refresh());
    }
    if (!endpoints.ok) {
      if (this.children.size === 0) this.fail(endpoints.error.details);
      return true;
    }
    this.reconcile(endpoints.value, options, note);
    this.refresh();
    return true;
  }

  exitIdle(): void {
    for (const child of this.children.values()) child.leaf.exitIdle();
  }

  resetBackoff(): void {}

  destroy(): void {
    this.runtime?.publishPicker(this, undefined);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const off of this.peers.values()) off();
    this.peers.clear();
    for (const child of this.children.values()) child.leaf.destroy();
    this.children.clear();
  }

  getTypeName(): string {
    return MESH_LB_NAME;
  }

  private reconcile(endpoints: experimental.Endpoint[], options: ChannelOptions, note: string): void {
    this.paused = true;
    const seen = new Set<string>();
    for (const endpoint of endpoints) {
      const address = endpoint.addresses[0];
      if (!address) continue;
      const key = experimental.subchannelAddressToString(address);
      seen.add(key);
      if (this.children.has(key)) continue;
      const leaf = new experimental.LeafLoadBalancer(endpoint, this.childHelper, options, note);
      const load = this.runtime?.traffic.load(key) ?? new EndpointLoad(monotonicClock, 10_000);
      this.children.set(key, { key, leaf, entry: new ChildEntry(key, 1, load, leaf.getPicker(), false) });
      leaf.startConnecting();
    }
    for (const [key, child] of this.children) {
      if (seen.has(key)) continue;
      child.leaf.destroy();
      this.children.delete(key);
    }
    this.paused = false;
  }

  private census(runtime: ServiceRuntime): Census {
    const c: Census = {
      candidates: [],
      connecting: 0,
      draining: 0,
      notServing: 0,
      ejected: 0,
      unreachable: 0,
    };
    const outlier = runtime.traffic.outlier;
    for (const child of this.children.values()) {
      const state = child.leaf.getConnectivityState();
      if (state === connectivityState.IDLE) child.leaf.exitIdle();
      const endpoint = runtime.endpointAt(child.key);
      if (!endpoint) continue;
      if (endpoint.health === "DRAINING") c.draining++;
      else if (endpoint.health === "NOT_SERVING") c.notServing++;
      const serving = endpoint.health === "SERVING";
      const ejected = serving && (outlier?.isEjected(child.key) ?? false);
      const probing = ejected && (outlier?.canPick(child.key) ?? false);
      if (ejected && !probing) c.ejected++;
      const usable = serving && (!ejected || probing);
      const ready = state === connectivityState.READY;
      if (usable && !ready) {
        if (state === connectivityState.TRANSIENT_FAILURE) c.unreachable++;
        else c.connecting++;
      }
      const failed = state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN;
      c.candidates.push({
        child,
        endpoint,
        healthy: usable && ready,
        reachable: usable && !failed,
        probing,
        state,
      });
    }
    return c;
  }

  private refresh(): void {
    const runtime = this.runtime;
    if (this.paused || !runtime) return;
    const census = this.census(runtime);
    runtime.traffic.setAvailable(
      new Set(census.candidates.filter((c) => c.healthy).map((c) => c.child.key)),
      new Map(census.candidates.map((c) => [c.child.key, connectivityState[c.state] as ConnectivityName])),
    );
    const lb = runtime.view.policy.loadBalancing;
    const chosen = this.usable(runtime, census.candidates, lb);
    this.followPeers(runtime);
    if (chosen.length > 0) {
      const routes = runtime.router ? this.subsetPickers(runtime, runtime.router, census, lb) : undefined;
      const picker = new MeshPicker(runtime, this.balancer(runtime, chosen, lb, ""), lb.hashHeader, routes);
      this.publish(connectivityState.READY, picker, null);
    } else if (census.connecting > 0) {
      this.publish(connectivityState.CONNECTING, new experimental.QueuePicker(this), null);
    } else {
      this.fail(this.explain(runtime, census));
    }
  }

  /** The endpoints of a list that may take calls, in the preferred zone when the policy has one. */
  private usable(runtime: ServiceRuntime, candidates: readonly Candidate[], lb: ResolvedLoadBalancing) {
    // ring_hash keeps endpoints that are still connecting on the ring (a call to one waits for
    // its connection), so a key's endpoint does not move while connections come up.
    const usable = lb.algorithm === "ring_hash" ? (c: Candidate) => c.reachable : (c: Candidate) => c.healthy;
    if (!lb.zonePreference) return candidates.filter(usable);
    const zone = preferLocalZone(
      candidates,
      { zoneOf: (c) => c.endpoint.zone, isHealthy: usable },
      runtime.deps.localZone,
      lb.zonePreference.minHealthyPercent,
    );
    return zone.endpoints;
  }

  /**
   * A balancer per subset of the route table, over the subset's endpoints that may take calls,
   * with the policy's algorithm: balancing and ejection work within the subset the route chose.
   */
  private subsetPickers(
    runtime: ServiceRuntime,
    router: Router,
    census: Census,
    lb: ResolvedLoadBalancing,
  ): SubsetPickers {
    const subsets = new Map<string, SubsetPick>();
    for (const subset of router.table.subsets.values()) {
      const members = census.candidates.filter((c) => inSubset(subset, c.endpoint.metadata));
      const chosen = this.usable(runtime, members, lb);
      const scope = `subset:${subset.name}`;
      if (chosen.length > 0) {
        subsets.set(subset.name, { balancer: this.balancer(runtime, chosen, lb, scope), waiting: false });
      } else {
        this.cached.delete(scope);
        subsets.set(subset.name, { balancer: undefined, waiting: members.some((c) => c.reachable) });
      }
    }
    for (const scope of this.cached.keys()) {
      const name = scope.slice("subset:".length);
      if (scope !== "" && !router.table.subsets.has(name)) this.cached.delete(scope);
    }
    return { router, subsets };
  }

  /** Listens to the services the routes send calls to, and only those. */
  private followPeers(runtime: ServiceRuntime): void {
    const peers = runtime.peerRuntimes();
    for (const [peer, off] of this.peers) {
      if (peers.includes(peer)) continue;
      off();
      this.peers.delete(peer);
    }
    for (const peer of peers) {
      if (!this.peers.has(peer) && peer !== runtime)
        this.peers.set(
          peer,
          peer.onPicker(() => this.refresh()),
        );
    }
  }

  /** Hands grpc-js the new state and picker, and lets routes of other services use the picker. */
  private publish(state: connectivityState, picker: experimental.Picker, error: string | null): void {
    this.helper.updateState(state, picker, error);
    this.runtime?.publishPicker(this, picker);
  }

  private balancer(
    runtime: ServiceRuntime,
    chosen: readonly Candidate[],
    lb: ResolvedLoadBalancing,
    scope: string,
  ) {
    const signature = chosen.map((c) => `${c.child.key}/${c.endpoint.weight}/${c.probing ? 1 : 0}`).join(",");
    for (const c of chosen) {
      // Entries are kept per child and updated in place, so a cached balancer (its rotation,
      // its ring) sees a connection's new picker without being rebuilt.
      c.child.entry.picker = c.child.leaf.getPicker();
      c.child.entry.weight = c.endpoint.weight;
      c.child.entry.probing = c.probing;
      c.child.entry.load = runtime.traffic.load(c.child.key);
    }
    const cached = this.cached.get(scope);
    if (cached && cached.lb === lb && cached.signature === signature) return cached.picker;
    const entries = chosen.map((c) => c.child.entry);
    const picker = createBalancer(entries, lb, { random: runtime.deps.random, clock: runtime.deps.clock });
    this.cached.set(scope, { signature, lb, picker });
    return picker;
  }

  private explain(runtime: ServiceRuntime, c: Census): string {
    const service = runtime.service;
    if (this.children.size === 0) {
      return runtime.view.initialized
        ? `switchboard: no endpoints registered for ${service}`
        : `switchboard: no endpoints known yet for ${service} (control plane not reached)`;
    }
    const parts: string[] = [];
    if (c.draining) parts.push(`${c.draining} draining`);
    if (c.notServing) parts.push(`${c.notServing} not serving`);
    if (c.ejected) parts.push(`${c.ejected} ejected`);
    if (c.unreachable)
      parts.push(`${c.unreachable} unreachable${this.lastError ? ` (${this.lastError})` : ""}`);
    return `switchboard: no healthy endpoint for ${service}: ${parts.join(", ") || "none usable"}`;
  }

  private fail(details: string): void {
    this.publish(
      connectivityState.TRANSIENT_FAILURE,
      new experimental.UnavailablePicker({ details }),
      details,
    );
  }
}

export function registerMeshBalancer(): void {
  experimental.registerLoadBalancerType(MESH_LB_NAME, MeshLoadBalancer, MeshLbConfig);
}
