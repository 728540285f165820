import type { Clock, ResolvedPolicy, ResolvedRouteTable } from "@switchboard/core";
import {
  DEFAULT_POLICY,
  endpointToProto,
  monotonicClock,
  validatePolicy,
  validateRouteTable,
} from "@switchboard/core";
import type { ServiceDelta, ServiceSnapshot } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { RemovalReason } from "@switchboard/core/gen/switchboard/v1/types.js";
import { endpointFromProto, type MeshEndpoint, sameEndpoint } from "./endpoint.js";

/** What applying one response did. `rejected` carries the NACK reason. */
export interface ApplyOutcome {
  readonly rejected: string | undefined;
  readonly endpointsChanged: boolean;
  readonly policyChanged: boolean;
  readonly routesChanged: boolean;
}

/** A route table as sent (for the snapshot file and comparisons) and as checked (to route by). */
interface Routes {
  readonly raw: RouteTable;
  readonly resolved: ResolvedRouteTable;
  /** The wire form, to tell a resent table from a changed one. */
  readonly json: string;
}

/** What to do with a response's routes: keep them (absent from a delta), replace them, or reject it all. */
type RoutesStep =
  | { readonly kind: "keep" }
  | { readonly kind: "set"; readonly routes: Routes | undefined }
  | { readonly kind: "reject"; readonly reason: string };

const NOTHING_CHANGED = { endpointsChanged: false, policyChanged: false, routesChanged: false } as const;

/**
 * How long a client keeps routing to the endpoints it knew when the control plane's epoch
 * changes (its store was wiped), ms: one lease TTL at the control plane's default (10 s), the time
 * every live instance has to notice its lost lease and register again.
 */
export const DEFAULT_EPOCH_CHANGE_HOLD_MS = 10_000;

export interface ServiceViewOptions {
  readonly clock?: Clock;
  /** Default DEFAULT_EPOCH_CHANGE_HOLD_MS. */
  readonly epochChangeHoldMs?: number;
}

/**
 * The client's view of one service: what the control plane says (`truth`) and what the client
 * routes on (`endpoints`). They differ only under static stability: an update that would leave
 * the service with no endpoints is not applied unless an operator removed them, so a control
 * plane or store failure cannot take every endpoint away from running clients; and after an
 * epoch change (a wiped store), whose first snapshots list only the instances that registered
 * again so far, the endpoints known before are kept beside the new ones for
 * `epochChangeHoldMs` (until every live instance had time to register again), then dropped
 * unless listed by then. Without it, all traffic would land on the first instance back.
 */
export class ServiceView {
  epoch = "";
  version = 0;
  /** True once a snapshot (from the control plane or a snapshot file) was applied. */
  initialized = false;
  private truth = new Map<string, MeshEndpoint>();
  private effective: readonly MeshEndpoint[] = [];
  private resolved: ResolvedPolicy = DEFAULT_POLICY;
  private raw: Policy | undefined;
  private routeTable: Routes | undefined;
  private holdingStale = false;
  /** Endpoints of the previous epoch kept until `heldUntil` (clock ms). */
  private held: Map<string, MeshEndpoint> | undefined;
  private heldUntil = 0;
  private readonly clock: Clock;
  private readonly holdMs: number;

  constructor(
    readonly service: string,
    options: ServiceViewOptions = {},
  ) {
    this.clock = options.clock ?? monotonicClock;
    this.holdMs = options.epochChangeHoldMs ?? DEFAULT_EPOCH_CHANGE_HOLD_MS;
  }

  get endpoints(): readonly MeshEndpoint[] {
    return this.effective;
  }

  get policy(): ResolvedPolicy {
    return this.resolved;
  }

  get rawPolicy(): Policy | undefined {
    return this.raw;
  }

  /** The route table routed by; undefined when the service has none (every call to the whole service). */
  get routes(): ResolvedRouteTable | undefined {
    return this.routeTable?.resolved;
  }

  /** The version of the route table routed by (0 with none). */
  get routeVersion(): number {
    return this.routeTable?.resolved.routeVersion ?? 0;
  }

  /** True while the client keeps endpoints the control plane no longer lists. */
  get stale(): boolean {
    return this.holdingStale;
  }

  /** The state routed on, as a snapshot (for the snapshot file). */
  toSnapshot(): ServiceSnapshot {
    return {
      service: this.service,
      version: this.version,
      endpoints: this.effective.map((e) => endpointToProto({ ...e, adminDrained: false })),
      policy: this.raw,
      emptiedByAdmin: false,
      routes: this.routeTable?.raw,
    };
  }

  /**
   * Applies a snapshot. One whose route table is invalid is rejected whole (endpoints, policy and
   * routes stay as they were) with the table's first bad field as the reason.
   */
  applySnapshot(s: ServiceSnapshot, epoch: string): ApplyOutcome {
    const routes = this.checkRoutes(s.routes);
    if (routes.kind === "reject") return { rejected: routes.reason, ...NOTHING_CHANGED };
    const next = new Map<string, MeshEndpoint>();
    for (const wire of s.endpoints) {
      const e = endpointFromProto(wire);
      if (e) next.set(e.id, e);
    }
    const policy = this.applyPolicy(s.policy, true);
    if (this.initialized && this.epoch !== epoch && this.effective.length > 0) this.holdPrevious();
    this.epoch = epoch;
    this.version = s.version;
    this.initialized = true;
    const endpoints = this.replaceTruth(next, s.emptiedByAdmin);
    const routesChanged = this.replaceRoutes(routes);
    return {
      rejected: policy.rejected ?? endpoints.rejected,
      ...this.changes(endpoints, policy, routesChanged),
    };
  }

  /**
   * Applies a delta; the caller checked `from_version` against `version`. One whose route table
   * is invalid is rejected whole, as for a snapshot.
   */
  applyDelta(d: ServiceDelta): ApplyOutcome {
    const routes: RoutesStep = d.routeUpdate ? this.checkRoutes(d.routeUpdate.routes) : { kind: "keep" };
    if (routes.kind === "reject") return { rejected: routes.reason, ...NOTHING_CHANGED };
    const next = new Map(this.truth);
    // "Emptied by an operator" only when every endpoint this delta removed was removed by one.
    let removed = 0;
    let removedByAdmin = 0;
    for (const r of d.removed) {
      // The new epoch has spoken about this endpoint: it is not held any longer.
      this.held?.delete(r.id);
      if (!next.delete(r.id)) continue;
      removed++;
      if (r.reason === RemovalReason.REMOVAL_REASON_ADMIN_REMOVED) removedByAdmin++;
    }
    for (const wire of d.upserted) {
      const e = endpointFromProto(wire);
      if (e) next.set(e.id, e);
    }
    const policy = d.policyUpdate
      ? this.applyPolicy(d.policyUpdate.policy, true)
      : { rejected: undefined, changed: false };
    this.version = d.version;
    const endpoints = this.replaceTruth(next, removed > 0 && removed === removedByAdmin);
    const routesChanged = this.replaceRoutes(routes);
    return {
      rejected: policy.rejected ?? endpoints.rejected,
      ...this.changes(endpoints, policy, routesChanged),
    };
  }

  /** Time left before the endpoints of the previous epoch are dropped; 0 when none are held. */
  holdRemainingMs(): number {
    return this.held ? Math.max(0, this.heldUntil - this.clock.now()) : 0;
  }

  /**
   * Drops the endpoints held since an epoch change once their time is up, and routes on what
   * the control plane lists; undefined while there is nothing to drop yet.
   */
  endHoldIfDue(): ApplyOutcome | undefined {
    if (!this.held || this.holdRemainingMs() > 0) return undefined;
    this.held = undefined;
    const endpoints = this.replaceTruth(this.truth, false);
    return { rejected: endpoints.rejected, ...this.changes(endpoints, { changed: false }, false) };
  }

  /** What to route on: the listed endpoints, plus those held since an epoch change while held. */
  private routed(listed: Map<string, MeshEndpoint>): MeshEndpoint[] {
    const list = [...listed.values()];
    const held = this.held;
    if (!held) return list;
    if (this.holdRemainingMs() === 0) {
      this.held = undefined;
      return list;
    }
    for (const [id, e] of held) if (!listed.has(id)) list.push(e);
    return list;
  }

  private holdPrevious(): void {
    this.held = new Map(this.effective.map((e) => [e.id, e]));
    this.heldUntil = this.clock.now() + this.holdMs;
  }

  private changes(e: { changed: boolean }, p: { changed: boolean }, routesChanged: boolean) {
    return { endpointsChanged: e.changed, policyChanged: p.changed, routesChanged };
  }

  /** Checks a response's route table (absent: the service has none). */
  private checkRoutes(table: RouteTable | undefined): RoutesStep {
    if (table === undefined) return { kind: "set", routes: undefined };
    const result = validateRouteTable(table);
    if (!result.ok) {
      const { field, message } = result.error;
      return {
        kind: "reject",
        reason: `invalid route table for ${this.service}: ${field}: ${message}; keeping the last good state`,
      };
    }
    const json = JSON.stringify(RouteTable.toJSON(table));
    return { kind: "set", routes: { raw: table, resolved: result.value, json } };
  }

  /** Routes by a checked table; true when it differs from the one held. */
  private replaceRoutes(step: RoutesStep): boolean {
    if (step.kind !== "set") return false;
    const before = this.routeTable;
    this.routeTable = step.routes;
    return before?.json !== step.routes?.json;
  }

  private applyPolicy(
    policy: Policy | undefined,
    present: boolean,
  ): { rejected: string | undefined; changed: boolean } {
    if (!present) return { rejected: undefined, changed: false };
    const result = validatePolicy(policy);
    if (!result.ok) {
      return {
        rejected: `invalid policy for ${this.service}: ${result.error.field}: ${result.error.message}; keeping the last good policy`,
        changed: false,
      };
    }
    this.raw = policy;
    this.resolved = result.value;
    return { rejected: undefined, changed: true };
  }

  private replaceTruth(
    next: Map<string, MeshEndpoint>,
    emptiedByAdmin: boolean,
  ): { rejected: string | undefined; changed: boolean } {
    this.truth = next;
    if (next.size === 0 && this.effective.length > 0 && !emptiedByAdmin) {
      const kept = this.effective.length;
      this.holdingStale = true;
      return {
        rejected: `update would remove every endpoint of ${this.service}; keeping the last ${kept} until the control plane lists endpoints again or an operator removes them`,
        changed: false,
      };
    }
    const list = this.routed(next);
    this.holdingStale = list.length > next.size;
    const changed =
      list.length !== this.effective.length || list.some((e, i) => !sameAt(this.effective, i, e));
    this.effective = list;
    return { rejected: undefined, changed };
  }
}

function sameAt(list: readonly MeshEndpoint[], i: number, e: MeshEndpoint): boolean {
  const other = list[i];
  return other !== undefined && other.id === e.id && sameEndpoint(other, e);
}
