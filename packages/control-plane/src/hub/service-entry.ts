import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { Change, ChangeNotice, EndpointRecord, RolloutOverlay, ServiceState } from "../store/types.js";

/** A change as the hub keeps it: with the (monotonic) time it reached this replica. */
export interface HistoryItem {
  readonly change: Change;
  /** performance.now() when the change reached this replica. */
  readonly atMs: number;
}

/** "loading": waiting for the store; "failed": the last load failed (retried on a timer). */
export type EntryStatus = "loading" | "ready" | "failed";

/** Anything the entry notifies when its state moves. */
export interface EntryListener {
  notify(): void;
}

/**
 * One subscribed service on this replica: its current state and a bounded history of recent
 * changes (to build deltas), shared by every subscriber of the service.
 */
export class ServiceEntry {
  status: EntryStatus = "loading";
  version = 0;
  policy: Policy | undefined;
  routes: RouteTable | undefined;
  emptiedByAdmin = false;
  /** What a staged rollout delivers to its cohort (see rollout-view.ts). */
  rollout: RolloutOverlay | undefined;
  /** Changes that arrived while loading, applied once the load completes. */
  pending: ChangeNotice[] = [];
  /** Incremented by every load or catch-up; a result for an older sequence is dropped. */
  loadSeq = 0;
  readonly listeners = new Set<EntryListener>();
  private readonly endpoints = new Map<string, EndpointRecord>();
  /** Changes (historyBase, version], oldest first. */
  private history: HistoryItem[] = [];
  private historyBase = 0;
  /** The route version at `historyBase`. */
  private baseRouteVersion = 0;
  /** Encoded responses for the current version (keyed by kind and base version). */
  private readonly encoded = new Map<string, Buffer>();

  constructor(
    readonly name: string,
    private readonly historyLimit: number,
  ) {}

  /** Replaces the state with a fresh read from the store; the history starts over. */
  reset(state: ServiceState): void {
    this.endpoints.clear();
    for (const e of state.endpoints) this.endpoints.set(e.id, e);
    this.policy = state.policy;
    this.routes = state.routes;
    this.emptiedByAdmin = state.emptiedByAdmin;
    this.rollout = state.rollout;
    this.version = state.version;
    this.history = [];
    this.historyBase = state.version;
    this.baseRouteVersion = this.routeVersion;
    this.encoded.clear();
  }

  /** Applies the change that follows the current version (the caller checks the order). */
  apply(change: Change, atMs: number): void {
    switch (change.kind) {
      case "endpoint_upserted":
        this.endpoints.set(change.endpoint.id, change.endpoint);
        this.emptiedByAdmin = false;
        break;
      case "endpoint_removed":
        this.endpoints.delete(change.endpointId);
        if (change.reason === "ADMIN_REMOVED" && this.endpoints.size === 0) this.emptiedByAdmin = true;
        break;
      case "policy_set":
        this.policy = change.policy;
        break;
      case "policy_deleted":
        this.policy = undefined;
        break;
      case "routes_set":
        this.routes = change.routes;
        break;
      case "routes_deleted":
        this.routes = undefined;
        break;
      case "rollout_stage":
        this.rollout = change.overlay;
        break;
    }
    this.version = change.version;
    this.history.push({ change, atMs });
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      for (const item of dropped)
        this.baseRouteVersion = routeVersionAfter(item.change, this.baseRouteVersion);
      this.historyBase = dropped[dropped.length - 1]?.change.version ?? this.historyBase;
    }
    this.encoded.clear();
  }

  /** The changes after `from` (oldest first), or undefined when the history does not reach back. */
  changesAfter(from: number): readonly HistoryItem[] | undefined {
    if (from < this.historyBase || from > this.version) return undefined;
    return this.history.slice(from - this.historyBase);
  }

  /** The route version of the current state (0: no route table). */
  get routeVersion(): number {
    return this.routes?.routeVersion ?? 0;
  }

  /** The route version of the state at `version`, when the history still reaches back to it;
   * 0 when it does not. */
  routeVersionAt(version: number): number {
    if (version < this.historyBase || version > this.version) return 0;
    let routeVersion = this.baseRouteVersion;
    for (const { change } of this.history) {
      if (change.version > version) break;
      routeVersion = routeVersionAfter(change, routeVersion);
    }
    return routeVersion;
  }

  /** Endpoints ordered by id (snapshots are deterministic). */
  sortedEndpoints(): EndpointRecord[] {
    return [...this.endpoints.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get endpointCount(): number {
    return this.endpoints.size;
  }

  /** An encoded response for the current version, built once and shared by every subscriber. */
  cached(key: string, build: () => Buffer): Buffer {
    let bytes = this.encoded.get(key);
    if (!bytes) {
      bytes = build();
      this.encoded.set(key, bytes);
    }
    return bytes;
  }

  notifyAll(): void {
    for (const l of this.listeners) l.notify();
  }
}

/** The route version after `change`, given the one before it. */
function routeVersionAfter(change: Change, before: number): number {
  if (change.kind === "routes_set") return change.version;
  if (change.kind === "routes_deleted") return 0;
  return before;
}
