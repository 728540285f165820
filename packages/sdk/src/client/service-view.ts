import type { Clock, ResolvedPolicy } from "@switchboard/core";
import { DEFAULT_POLICY, endpointToProto, monotonicClock, validatePolicy } from "@switchboard/core";
import type { ServiceDelta, ServiceSnapshot } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RemovalReason } from "@switchboard/core/gen/switchboard/v1/types.js";
import { endpointFromProto, type MeshEndpoint, sameEndpoint } from "./endpoint.js";

/** What applying one response did. `rejected` carries the NACK reason. */
export interface ApplyOutcome {
  readonly rejected: string | undefined;
  readonly endpointsChanged: boolean;
  readonly policyChanged: boolean;
}

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
    };
  }

  applySnapshot(s: ServiceSnapshot, epoch: string): ApplyOutcome {
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
    return { rejected: policy.rejected ?? endpoints.rejected, ...this.changes(endpoints, policy) };
  }

  /** Applies a delta; the caller checked `from_version` against `version`. */
  applyDelta(d: ServiceDelta): ApplyOutcome {
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
    return { rejected: policy.rejected ?? endpoints.rejected, ...this.changes(endpoints, policy) };
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
    return { rejected: endpoints.rejected, ...this.changes(endpoints, { changed: false }) };
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

  private changes(e: { changed: boolean }, p: { changed: boolean }) {
    return { endpointsChanged: e.changed, policyChanged: p.changed };
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
