/**
 * The Store contract: the registry, leases, policies, per-service versions and the change feed.
 * Two implementations (MemoryStore, RedisStore) pass one conformance suite
 * (test/store-conformance.test.ts). Everything above the store (registration, admin, the hub)
 * depends only on this file.
 *
 * Rules every implementation keeps:
 * - Each mutation, its version bump and its change record are one atomic step.
 * - Versions are per service and only go up within an epoch: they start at 1 with the first
 *   change, or, once idle services have been collected, above the highest version collected.
 * - Renewing a lease without a health change bumps nothing and records nothing.
 * - Lease time: MemoryStore uses the `nowMs` the caller passes (an injected clock); RedisStore
 *   uses the Redis server's TIME by default, so replicas with skewed clocks agree (option
 *   `leaseClock`).
 * - A mutation carrying a request id takes effect once: a repeat within the retention period
 *   answers the first result.
 */
import type { EndpointInfo, Health } from "@switchboard/core";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";

export type { Health } from "@switchboard/core";
export { effectiveHealth } from "@switchboard/core";
export type RemovalReason = "DEREGISTERED" | "EXPIRED" | "ADMIN_REMOVED";

/** One endpoint as stored. */
export interface EndpointRecord extends EndpointInfo {
  readonly service: string;
  /** What the instance last reported. */
  readonly reportedHealth: Health;
  /** An operator holds it in DRAINING. Effective health is then DRAINING whatever it reports. */
  readonly adminDrained: boolean;
  readonly leaseId: string;
  readonly ttlMs: number;
  readonly registeredAtMs: number;
  readonly renewedAtMs: number;
  readonly expiresAtMs: number;
}

export interface ServiceState {
  readonly service: string;
  /** 0 for a service the store has never seen. */
  readonly version: number;
  readonly endpoints: readonly EndpointRecord[];
  readonly policy: Policy | undefined;
  /** The route table, its `routeVersion` the service version at which it was stored. */
  readonly routes: RouteTable | undefined;
  /** The last endpoint left through Admin.RemoveEndpoint (cleared by the next registration). */
  readonly emptiedByAdmin: boolean;
  /** What a staged rollout delivers to its cohort now; undefined when none is under way. */
  readonly rollout?: RolloutOverlay | undefined;
}

/**
 * What a service's staged rollout delivers now (see docs/rollouts.md): the clients whose
 * `stickyBucket(clientId)` is below `cohortBuckets` get the candidate policy and/or route table;
 * every other client keeps the service's own (the baseline).
 */
export interface RolloutOverlay {
  readonly rolloutId: string;
  /** Index of the stage in effect. */
  readonly stage: number;
  /** The stage's percent x 10,000 (of core's STICKY_BUCKETS). */
  readonly cohortBuckets: number;
  /** The candidate policy; undefined: the cohort keeps the baseline policy. */
  readonly policy: Policy | undefined;
  /** The candidate route table, its `routeVersion` the version of the change that set this
   * overlay; undefined: the cohort keeps the baseline table. */
  readonly routes: RouteTable | undefined;
}

export interface ServiceSummary {
  readonly service: string;
  readonly version: number;
  readonly endpoints: number;
  readonly serving: number;
  readonly notServing: number;
  readonly draining: number;
  readonly hasPolicy: boolean;
}

/** One step in a service's history. `version` is the version the change produced. */
export type Change =
  | {
      readonly kind: "endpoint_upserted";
      readonly service: string;
      readonly version: number;
      readonly endpoint: EndpointRecord;
    }
  | {
      readonly kind: "endpoint_removed";
      readonly service: string;
      readonly version: number;
      readonly endpointId: string;
      readonly reason: RemovalReason;
    }
  | {
      readonly kind: "policy_set";
      readonly service: string;
      readonly version: number;
      readonly policy: Policy;
    }
  | { readonly kind: "policy_deleted"; readonly service: string; readonly version: number }
  | {
      readonly kind: "routes_set";
      readonly service: string;
      readonly version: number;
      /** Its `routeVersion` is `version`. */
      readonly routes: RouteTable;
    }
  | { readonly kind: "routes_deleted"; readonly service: string; readonly version: number }
  | {
      readonly kind: "rollout_stage";
      readonly service: string;
      readonly version: number;
      /** What the rollout delivers from this version on; undefined: the rollout ended (every
       * client is back on the service's own policy and routes). */
      readonly overlay: RolloutOverlay | undefined;
    };

/** A change as the feed delivers it, to every replica sharing the store. */
export type ChangeNotice = Change & { readonly epoch: string };

export interface RegisterInput {
  readonly service: string;
  readonly host: string;
  readonly port: number;
  readonly zone: string;
  readonly weight: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly health: Health;
  readonly ttlMs: number;
  /** Refuse (status "limit_exceeded") when the service already has this many other endpoints. */
  readonly maxEndpointsPerService: number;
  /** The lease of the live endpoint at this address that this registration replaces (the same
   * instance registering again). */
  readonly replacesLeaseId?: string | undefined;
  /** The caller may replace a live endpoint without its lease (the admin scope). */
  readonly takeover?: boolean | undefined;
  /** Makes a retry idempotent; see `MutationOptions`. */
  readonly requestId?: string | undefined;
}

export interface MutationOptions {
  /** A retry with the same id (within the store's `requestIdRetentionMs`) answers the first
   * result and changes nothing. */
  readonly requestId?: string | undefined;
}

export type RegisterResult =
  | {
      readonly status: "registered";
      readonly leaseId: string;
      readonly endpoint: EndpointRecord;
      readonly version: number;
      readonly epoch: string;
    }
  | { readonly status: "limit_exceeded"; readonly limit: number }
  /** A live endpoint holds the address, and the caller presented neither its lease nor the
   * admin scope. Its lease runs out in `remainingMs` unless renewed. */
  | { readonly status: "address_taken"; readonly endpointId: string; readonly remainingMs: number };

export type RenewResult =
  | { readonly status: "active"; readonly version: number; readonly ttlMs: number; readonly changed: boolean }
  /** Unknown lease: it expired, or the store was wiped. The instance should register again. */
  | { readonly status: "not_found" }
  /** An operator removed the endpoint: the instance must not register again. */
  | { readonly status: "revoked" };

/** One lease to renew in `Store.renewMany`. */
export interface RenewItem {
  readonly leaseId: string;
  readonly health: Health | undefined;
}

export type MutationResult =
  | { readonly status: "ok"; readonly version: number; readonly changed: boolean }
  | { readonly status: "not_found" };

/** `deregister`: which endpoint the lease held, so the removal can be reported by name. */
export type DeregisterResult =
  | {
      readonly status: "ok";
      readonly version: number;
      readonly changed: boolean;
      readonly service: string;
      readonly endpointId: string;
    }
  | { readonly status: "not_found" };

export interface ExpiredLease {
  readonly service: string;
  readonly endpointId: string;
  readonly leaseId: string;
  readonly version: number;
}

export interface SubscriptionInfo {
  readonly service: string;
  readonly sentVersion: number;
  readonly ackedVersion: number;
  readonly nackCount: number;
  readonly lastNackVersion: number;
  readonly lastNackReason: string;
  /** The route version of the state at `ackedVersion` (0: no route table). */
  readonly ackedRouteVersion: number;
}

/** One resource type on an xDS stream: what the client asks for, was sent, acked, rejected. */
export interface XdsTypeStatus {
  readonly typeUrl: string;
  readonly resourceNames: readonly string[];
  readonly sentVersion: string;
  readonly ackedVersion: string;
  /** Responses of this type sent on the stream. */
  readonly responses: number;
  readonly nackCount: number;
  readonly lastNackVersion: string;
  readonly lastNackReason: string;
}

/** An xDS (proxyless gRPC) client, as its subscriber row carries it. */
export interface XdsClientInfo {
  readonly nodeCluster: string;
  readonly userAgent: string;
  readonly types: readonly XdsTypeStatus[];
}

/** One connected Discovery stream, as published by the replica holding it. */
export interface SubscriberInfo {
  readonly replicaId: string;
  readonly clientId: string;
  readonly zone: string;
  readonly sdkVersion: string;
  readonly peer: string;
  readonly connectedAtMs: number;
  /** The epoch the acked versions belong to. */
  readonly epoch: string;
  readonly subscriptions: readonly SubscriptionInfo[];
  /** Present for an xDS stream (ADS) rather than a Discovery.Watch stream. */
  readonly xds?: XdsClientInfo;
}

/**
 * A replica's subscriber table: the entries themselves, or already encoded as one JSON array of
 * `SubscriberInfo` (a replica with many streams encodes it piece by piece, off the hot path).
 */
export type SubscriberTable = readonly SubscriberInfo[] | { readonly json: string };

/** The JSON text of a subscriber table; throws when encoded text is not a JSON array (checked by
 * its brackets only: the publisher builds it from `JSON.stringify` of each row). */
export function subscriberTableJson(table: SubscriberTable): string {
  if (!("json" in table)) return JSON.stringify(table);
  const json = table.json.trim();
  if (!json.startsWith("[") || !json.endsWith("]")) {
    throw new TypeError("an encoded subscriber table must be a JSON array");
  }
  return json;
}

/** The latest report of one SDK client about one service, as the store keeps it. */
export interface ClientReportEntry {
  readonly service: string;
  readonly clientId: string;
  /** When a replica received it: wall clock, whole ms. */
  readonly receivedAtMs: number;
  /** The report and what the replica knows of its client; opaque to the store. */
  readonly encoded: string;
}

/**
 * A staged rollout as the store keeps it. The store understands the lease and the fencing token;
 * the rollout itself (stages, gates, timeline) is an opaque document.
 */
export interface RolloutRecord {
  readonly service: string;
  readonly id: string;
  /** Fencing token: goes up whenever a replica takes the lease (and with every new rollout of the
   * service); every write names the token it holds. */
  readonly token: number;
  /** Goes up with every write; a write names the revision it read. */
  readonly revision: number;
  /** The replica holding the lease ("" when none ever did). */
  readonly driver: string;
  readonly leaseExpiresAtMs: number;
  /** False once the rollout ended (completed, rolled back, aborted). */
  readonly active: boolean;
  readonly encoded: string;
}

export interface StartRolloutInput {
  readonly service: string;
  readonly id: string;
  readonly encoded: string;
  /** What the first stage delivers. */
  readonly overlay: RolloutOverlay;
}

export type StartRolloutResult =
  | { readonly status: "started"; readonly version: number; readonly record: RolloutRecord }
  /** The service already has an active rollout. */
  | { readonly status: "active"; readonly id: string };

export interface WriteRolloutInput {
  readonly service: string;
  readonly id: string;
  /** The token and revision the writer read: the write is refused when either moved. */
  readonly token: number;
  readonly revision: number;
  readonly encoded: string;
  readonly active: boolean;
  /** A new overlay (a stage change), null to end it (every client back on the baseline), or
   * undefined to leave the cohort as it is. */
  readonly overlay?: RolloutOverlay | null | undefined;
  /** Stored as the service's own policy / route table first (a completed rollout), through the
   * same changes SetPolicy and SetRoutes record. */
  readonly applyPolicy?: Policy | undefined;
  readonly applyRoutes?: RouteTable | undefined;
}

export type WriteRolloutResult =
  | { readonly status: "ok"; readonly version: number; readonly record: RolloutRecord }
  /** The token or revision moved (another replica took the lease, or another write came first),
   * or the rollout is not the service's latest. Read again. */
  | { readonly status: "conflict" };

export type ClaimRolloutResult =
  /** The caller holds the lease until `record.leaseExpiresAtMs` with `record.token`. */
  | { readonly status: "claimed"; readonly record: RolloutRecord }
  /** Another replica holds a live lease. */
  | { readonly status: "held"; readonly record: RolloutRecord }
  /** No active rollout. */
  | { readonly status: "none" };

export interface Store {
  readonly kind: "memory" | "redis";

  /** The current epoch; creates one when the store holds none (new, or wiped). */
  epoch(): Promise<string>;

  /** Adds an endpoint, or replaces the one at the same address (new lease; old lease gone) when
   * that one's lease has run out or the caller presents it or may take over. */
  register(input: RegisterInput, nowMs: number): Promise<RegisterResult>;
  /** Extends a lease by its TTL; with `health`, also records a health change (version bump only
   * when the health actually changed). */
  renew(leaseId: string, health: Health | undefined, nowMs: number): Promise<RenewResult>;
  /** `renew` for many leases in one atomic step, results in the same order (the keep-alive hot
   * path batches the renewals that arrive together). */
  renewMany(items: readonly RenewItem[], nowMs: number): Promise<RenewResult[]>;
  /** Removes the lease's endpoint at once (reason DEREGISTERED). */
  deregister(leaseId: string, options?: MutationOptions): Promise<DeregisterResult>;
  /** Sets or clears the admin drain flag. */
  setAdminDrain(
    service: string,
    endpointId: string,
    drained: boolean,
    options?: MutationOptions,
  ): Promise<MutationResult>;
  /** Removes an endpoint (reason ADMIN_REMOVED) and revokes its lease for `revokeForMs`. */
  removeEndpoint(
    service: string,
    endpointId: string,
    revokeForMs: number,
    options?: MutationOptions,
  ): Promise<MutationResult>;
  setPolicy(
    service: string,
    policy: Policy,
    options?: MutationOptions,
  ): Promise<{ readonly version: number }>;
  deletePolicy(service: string, options?: MutationOptions): Promise<MutationResult>;
  /** Stores a service's route table (checked by the caller); its route version is the version
   * this change produces. */
  setRoutes(
    service: string,
    routes: RouteTable,
    options?: MutationOptions,
  ): Promise<{ readonly version: number }>;
  /** Removes a service's route table; not_found when it has none. */
  deleteRoutes(service: string, options?: MutationOptions): Promise<MutationResult>;

  /** Removes up to `limit` endpoints whose lease deadline is <= now (reason EXPIRED). Safe to run
   * from every replica at once: each lease is expired exactly once. */
  expireLeases(nowMs: number, limit: number): Promise<readonly ExpiredLease[]>;
  /** Forgets up to `limit` services that have had no endpoint, policy or route table for longer than the
   * store's `serviceRetentionMs`; returns their names. Safe from every replica at once. */
  collectIdleServices(nowMs: number, limit: number): Promise<readonly string[]>;

  getService(service: string): Promise<ServiceState>;
  listServices(): Promise<readonly ServiceSummary[]>;
  /** Endpoints per known service, without reading any record: cheap enough for every scrape. */
  endpointCounts(): Promise<ReadonlyMap<string, number>>;
  /** Changes after `version`, oldest first; [] when `version` is current; undefined when the
   * change log no longer reaches back that far (the caller sends a snapshot instead). */
  changesSince(service: string, version: number): Promise<readonly Change[] | undefined>;

  /** Delivers every change made through any replica sharing this store, in version order per
   * service. Returns an unsubscribe function. */
  subscribe(listener: (notice: ChangeNotice) => void): () => void;
  /** Called when the feed may have skipped changes (this replica fell behind what the store
   * keeps of it): every service followed must be read again. */
  onResync(listener: () => void): () => void;

  /** Replaces this replica's published subscriber list; it disappears after `ttlMs` unless
   * published again. */
  publishSubscribers(replicaId: string, subscribers: SubscriberTable, ttlMs: number): Promise<void>;
  /** Subscribers published by every live replica. */
  listSubscribers(): Promise<readonly SubscriberInfo[]>;

  /** Keeps each entry as the latest report of its (service, client), unless a newer one is
   * stored; a service's reports lapse together after `ttlMs` unless published again. */
  publishClientReports(reports: readonly ClientReportEntry[], ttlMs: number): Promise<void>;
  /** The latest report of each client of `service` received at or after `sinceMs` (older ones
   * are dropped on the way). */
  listClientReports(service: string, sinceMs: number): Promise<readonly ClientReportEntry[]>;

  /** Starts a rollout: records it and its first overlay (a `rollout_stage` change) in one step;
   * refused while the service has an active rollout. */
  startRollout(input: StartRolloutInput): Promise<StartRolloutResult>;
  /** A compare-and-set on the rollout's token and revision: the document, and with it the
   * overlay and/or the service's policy and routes, in one step. */
  writeRollout(input: WriteRolloutInput): Promise<WriteRolloutResult>;
  /** Takes or renews the lease on the service's active rollout: renewed (same token) when
   * `replicaId` holds a live lease, taken (token + 1) when the lease ran out. */
  claimRollout(
    service: string,
    replicaId: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<ClaimRolloutResult>;
  /** The service's latest rollout (active or ended), or undefined. */
  getRollout(service: string): Promise<RolloutRecord | undefined>;
  /** Services with an active rollout. */
  listRollouts(): Promise<readonly string[]>;

  /** Resolves when the store is usable; RedisStore waits for its connection. */
  ready(): Promise<void>;
  /** Called with false when the store becomes unreachable and true when it is back. */
  onAvailabilityChange(listener: (available: boolean) => void): () => void;
  close(): Promise<void>;
}
