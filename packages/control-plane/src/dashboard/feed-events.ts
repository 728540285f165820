/**
 * What the dashboard's live feed shows, made from the store's change feed: each change named as
 * an operator reads it (a registration, a drain, an expiry), not as the store records it.
 */
import type { ChangeNotice, Health } from "../store/types.js";

export type FeedKind =
  | "registered"
  | "health_changed"
  | "drained"
  | "undrained"
  | "deregistered"
  | "expired"
  | "removed"
  | "policy_set"
  | "policy_deleted"
  | "routes_set"
  | "routes_deleted"
  | "rollout_stage"
  | "nack";

/** One line of the feed. `id` goes up by one per event (the SSE event id). */
export interface FeedEvent {
  readonly id: number;
  readonly atMs: number;
  readonly kind: FeedKind;
  readonly service: string;
  /** The service version the change produced (absent for a NACK). */
  readonly version?: number;
  readonly endpointId?: string;
  /** A health, or a NACK's client and reason. */
  readonly detail?: string;
}

export type FeedEventFields = Omit<FeedEvent, "id" | "atMs">;

const REMOVAL_KIND = { DEREGISTERED: "deregistered", EXPIRED: "expired", ADMIN_REMOVED: "removed" } as const;

interface Known {
  readonly leaseId: string;
  readonly adminDrained: boolean;
  readonly health: Health;
}

/**
 * Names endpoint upserts by remembering each endpoint's lease, drain flag and health (a new
 * lease is a registration, a flipped flag a drain or undrain, anything else a health change).
 * An endpoint first seen through an update is named from its record alone.
 */
export class ChangeNamer {
  private readonly known = new Map<string, Known>();

  name(notice: ChangeNotice): FeedEventFields {
    const { service, version } = notice;
    switch (notice.kind) {
      case "endpoint_upserted": {
        const e = notice.endpoint;
        const key = `${service}\n${e.id}`;
        const before = this.known.get(key);
        this.known.set(key, { leaseId: e.leaseId, adminDrained: e.adminDrained, health: e.reportedHealth });
        return { kind: upsertKind(before, e), service, version, endpointId: e.id, detail: e.reportedHealth };
      }
      case "endpoint_removed":
        this.known.delete(`${service}\n${notice.endpointId}`);
        return { kind: REMOVAL_KIND[notice.reason], service, version, endpointId: notice.endpointId };
      case "policy_set":
        return { kind: "policy_set", service, version };
      case "policy_deleted":
        return { kind: "policy_deleted", service, version };
      case "routes_set":
        return { kind: "routes_set", service, version };
      case "routes_deleted":
        return { kind: "routes_deleted", service, version };
      case "rollout_stage": {
        const o = notice.overlay;
        const detail = o ? `stage ${o.stage + 1}: ${o.cohortBuckets / 10_000}% of clients` : "rollout ended";
        return { kind: "rollout_stage", service, version, detail };
      }
    }
  }
}

function upsertKind(
  before: Known | undefined,
  e: {
    readonly leaseId: string;
    readonly adminDrained: boolean;
    readonly registeredAtMs: number;
    readonly renewedAtMs: number;
  },
): FeedKind {
  if (before === undefined) {
    if (e.registeredAtMs === e.renewedAtMs) return "registered";
    return e.adminDrained ? "drained" : "health_changed";
  }
  if (before.leaseId !== e.leaseId) return "registered";
  if (before.adminDrained !== e.adminDrained) return e.adminDrained ? "drained" : "undrained";
  return "health_changed";
}
