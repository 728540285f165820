/**
 * The embedded store: everything in this process, nothing shared. The default when no Redis is
 * configured (a laptop, a demo, tests of the layers above). It keeps the same semantics as
 * RedisStore, conformance suite included: change-log length, revocation tombstones, epochs,
 * subscriber lists with a TTL, and a change feed delivered asynchronously in order.
 */
import { randomUUID } from "node:crypto";
import { formatEndpointId } from "@switchboard/core";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { storeClosed, storeFailure } from "./errors.js";
import { ListenerSet, warnListenerError } from "./listeners.js";
import { MemoryService } from "./memory-service.js";
import {
  checkClientReportEntry,
  checkHealth,
  checkRegisterInput,
  deepFreeze,
  newEndpointRecord,
  nonNegativeInt,
  overlayFromJson,
  overlayToJson,
  positiveInt,
  routesFromJson,
  routesToJson,
  wholeMs,
  withDeadline,
} from "./records.js";
import {
  type MemoryStoreOptions,
  type ResolvedMemoryStoreOptions,
  resolveMemoryStoreOptions,
} from "./store-options.js";
import { TtlMap } from "./ttl-map.js";
import type {
  Change,
  ChangeNotice,
  ClaimRolloutResult,
  ClientReportEntry,
  DeregisterResult,
  EndpointRecord,
  ExpiredLease,
  Health,
  MutationOptions,
  MutationResult,
  RegisterInput,
  RegisterResult,
  RemovalReason,
  RenewItem,
  RenewResult,
  RolloutOverlay,
  RolloutRecord,
  ServiceState,
  ServiceSummary,
  StartRolloutInput,
  StartRolloutResult,
  Store,
  SubscriberInfo,
  SubscriberTable,
  WriteRolloutInput,
  WriteRolloutResult,
} from "./types.js";
import { subscriberTableJson } from "./types.js";

interface LeaseEntry {
  readonly service: string;
  readonly endpointId: string;
  expiresAtMs: number;
}

export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  private readonly options: ResolvedMemoryStoreOptions;
  private readonly epochId = randomUUID();
  /** Highest version of a collected service: new and unknown services count on from it. */
  private versionFloor = 0;
  /** Replies to mutations that carried a request id, by "operation:id". */
  private readonly replies: TtlMap<string, unknown>;
  private readonly services = new Map<string, MemoryService>();
  private readonly rollouts = new Map<string, RolloutRecord>();
  private readonly leases = new Map<string, LeaseEntry>();
  private readonly revoked: TtlMap<string, true>;
  private readonly subscriberLists: TtlMap<string, readonly SubscriberInfo[]>;
  /** Per service: client id -> its latest report; a service's reports lapse together. */
  private readonly clientReports: TtlMap<string, Map<string, ClientReportEntry>>;
  private readonly listeners: ListenerSet<ChangeNotice>;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    const resolved = resolveMemoryStoreOptions(options);
    this.options = resolved;
    this.replies = new TtlMap(resolved.clock);
    this.revoked = new TtlMap(resolved.clock);
    this.subscriberLists = new TtlMap(resolved.clock);
    this.clientReports = new TtlMap(resolved.clock);
    const logger = resolved.logger;
    this.listeners = new ListenerSet(
      logger ? (error) => logger.error({ err: error }, "store listener threw") : warnListenerError,
    );
  }

  async epoch(): Promise<string> {
    this.checkOpen();
    return this.epochId;
  }

  async register(input: RegisterInput, nowMs: number): Promise<RegisterResult> {
    this.checkOpen();
    checkRegisterInput(input);
    const now = wholeMs("nowMs", nowMs);
    return this.once("register", input, () => this.registerNow(input, now));
  }

  private registerNow(input: RegisterInput, now: number): RegisterResult {
    const id = formatEndpointId(input.host, input.port);
    const existing = this.services.get(input.service)?.endpoints.get(id);
    const others = (this.services.get(input.service)?.endpoints.size ?? 0) - (existing ? 1 : 0);
    if (others >= input.maxEndpointsPerService) {
      return { status: "limit_exceeded", limit: input.maxEndpointsPerService };
    }
    if (existing && input.takeover !== true && input.replacesLeaseId !== existing.leaseId) {
      const deadline = this.leases.get(existing.leaseId)?.expiresAtMs ?? 0;
      if (deadline > now) return { status: "address_taken", endpointId: id, remainingMs: deadline - now };
    }
    const entry = this.serviceEntry(input.service);
    if (existing) this.leases.delete(existing.leaseId);
    const leaseId = randomUUID();
    // An operator's drain outlives a restart of the instance at the same address.
    const endpoint = deepFreeze(newEndpointRecord(input, leaseId, now, existing?.adminDrained ?? false));
    this.leases.set(leaseId, { service: input.service, endpointId: id, expiresAtMs: endpoint.expiresAtMs });
    entry.emptiedByAdmin = false;
    const version = this.upsert(entry, endpoint);
    entry.trackIdle(now);
    return { status: "registered", leaseId, endpoint, version, epoch: this.epochId };
  }

  async renew(leaseId: string, health: Health | undefined, nowMs: number): Promise<RenewResult> {
    this.checkOpen();
    const now = wholeMs("nowMs", nowMs);
    if (health !== undefined) checkHealth("health", health);
    const lease = this.leases.get(leaseId);
    if (lease === undefined) return { status: this.revoked.has(leaseId) ? "revoked" : "not_found" };
    const { entry, record } = this.leaseTarget(lease);
    lease.expiresAtMs = now + record.ttlMs;
    if (health === undefined || health === record.reportedHealth) {
      return { status: "active", version: entry.version, ttlMs: record.ttlMs, changed: false };
    }
    const endpoint = deepFreeze({ ...withDeadline(record, lease.expiresAtMs), reportedHealth: health });
    const version = this.upsert(entry, endpoint);
    return { status: "active", version, ttlMs: record.ttlMs, changed: true };
  }

  async renewMany(items: readonly RenewItem[], nowMs: number): Promise<RenewResult[]> {
    const results: RenewResult[] = [];
    for (const item of items) results.push(await this.renew(item.leaseId, item.health, nowMs));
    return results;
  }

  async deregister(leaseId: string, options?: MutationOptions): Promise<DeregisterResult> {
    this.checkOpen();
    return this.once("deregister", options, () => {
      const lease = this.leases.get(leaseId);
      if (lease === undefined) return { status: "not_found" };
      const { entry, record } = this.leaseTarget(lease);
      const version = this.removeRecord(entry, record, "DEREGISTERED", this.options.clock.now());
      return { status: "ok", version, changed: true, service: record.service, endpointId: record.id };
    });
  }

  async setAdminDrain(
    service: string,
    endpointId: string,
    drained: boolean,
    options?: MutationOptions,
  ): Promise<MutationResult> {
    this.checkOpen();
    return this.once("setAdminDrain", options, () => this.setAdminDrainNow(service, endpointId, drained));
  }

  private setAdminDrainNow(service: string, endpointId: string, drained: boolean): MutationResult {
    const entry = this.services.get(service);
    const record = entry?.endpoints.get(endpointId);
    if (entry === undefined || record === undefined) return { status: "not_found" };
    if (record.adminDrained === drained) return { status: "ok", version: entry.version, changed: false };
    const endpoint = deepFreeze({ ...withDeadline(record, this.deadlineOf(record)), adminDrained: drained });
    const version = this.upsert(entry, endpoint);
    return { status: "ok", version, changed: true };
  }

  async removeEndpoint(
    service: string,
    endpointId: string,
    revokeForMs: number,
    options?: MutationOptions,
  ): Promise<MutationResult> {
    this.checkOpen();
    nonNegativeInt("revokeForMs", revokeForMs);
    return this.once("removeEndpoint", options, () =>
      this.removeEndpointNow(service, endpointId, revokeForMs),
    );
  }

  private removeEndpointNow(service: string, endpointId: string, revokeForMs: number): MutationResult {
    const entry = this.services.get(service);
    const record = entry?.endpoints.get(endpointId);
    if (entry === undefined || record === undefined) return { status: "not_found" };
    this.revoked.prune();
    if (revokeForMs > 0) this.revoked.set(record.leaseId, true, revokeForMs);
    if (entry.endpoints.size === 1) entry.emptiedByAdmin = true;
    const version = this.removeRecord(entry, record, "ADMIN_REMOVED", this.options.clock.now());
    return { status: "ok", version, changed: true };
  }

  async setPolicy(
    service: string,
    policy: Policy,
    options?: MutationOptions,
  ): Promise<{ readonly version: number }> {
    this.checkOpen();
    return this.once("setPolicy", options, () => {
      return { version: this.storePolicy(this.serviceEntry(service), policy) };
    });
  }

  async deletePolicy(service: string, options?: MutationOptions): Promise<MutationResult> {
    this.checkOpen();
    return this.once("deletePolicy", options, () => {
      const entry = this.services.get(service);
      if (entry?.policyJson === undefined) return { status: "not_found" };
      entry.policyJson = undefined;
      const version = this.recordChange(entry, (v) => ({ kind: "policy_deleted", service, version: v }));
      entry.trackIdle(this.options.clock.now());
      return { status: "ok", version, changed: true };
    });
  }

  async setRoutes(
    service: string,
    routes: RouteTable,
    options?: MutationOptions,
  ): Promise<{ readonly version: number }> {
    this.checkOpen();
    return this.once("setRoutes", options, () => {
      return { version: this.storeRoutes(this.serviceEntry(service), routes) };
    });
  }

  async deleteRoutes(service: string, options?: MutationOptions): Promise<MutationResult> {
    this.checkOpen();
    return this.once("deleteRoutes", options, () => {
      const entry = this.services.get(service);
      if (entry?.routes === undefined) return { status: "not_found" };
      entry.routes = undefined;
      const version = this.recordChange(entry, (v) => ({ kind: "routes_deleted", service, version: v }));
      entry.trackIdle(this.options.clock.now());
      return { status: "ok", version, changed: true };
    });
  }

  async startRollout(input: StartRolloutInput): Promise<StartRolloutResult> {
    this.checkOpen();
    const current = this.rollouts.get(input.service);
    if (current?.active) return { status: "active", id: current.id };
    const record: RolloutRecord = {
      service: input.service,
      id: input.id,
      token: (current?.token ?? 0) + 1,
      revision: 1,
      driver: "",
      leaseExpiresAtMs: 0,
      active: true,
      encoded: input.encoded,
    };
    this.rollouts.set(input.service, record);
    const version = this.storeOverlay(this.serviceEntry(input.service), input.overlay);
    return { status: "started", version, record };
  }

  async writeRollout(input: WriteRolloutInput): Promise<WriteRolloutResult> {
    this.checkOpen();
    const { service } = input;
    const current = this.rollouts.get(service);
    if (current?.id !== input.id || current.token !== input.token || current.revision !== input.revision) {
      return { status: "conflict" };
    }
    const entry = this.serviceEntry(service);
    if (input.applyPolicy) this.storePolicy(entry, input.applyPolicy);
    if (input.applyRoutes) this.storeRoutes(entry, input.applyRoutes);
    if (input.overlay !== undefined) this.storeOverlay(entry, input.overlay ?? undefined);
    const record = {
      ...current,
      encoded: input.encoded,
      active: input.active,
      revision: current.revision + 1,
    };
    this.rollouts.set(service, record);
    return { status: "ok", version: entry.version, record };
  }

  async claimRollout(
    service: string,
    replicaId: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<ClaimRolloutResult> {
    this.checkOpen();
    positiveInt("leaseMs", leaseMs);
    const now = wholeMs("nowMs", nowMs);
    const current = this.rollouts.get(service);
    if (!current?.active) return { status: "none" };
    const live = current.leaseExpiresAtMs > now;
    if (live && current.driver !== replicaId) return { status: "held", record: current };
    const record = {
      ...current,
      ...(live ? {} : { token: current.token + 1, driver: replicaId }),
      leaseExpiresAtMs: now + leaseMs,
    };
    this.rollouts.set(service, record);
    return { status: "claimed", record };
  }

  async getRollout(service: string): Promise<RolloutRecord | undefined> {
    this.checkOpen();
    return this.rollouts.get(service);
  }

  async listRollouts(): Promise<readonly string[]> {
    this.checkOpen();
    return [...this.rollouts.values()].filter((r) => r.active).map((r) => r.service);
  }

  async expireLeases(nowMs: number, limit: number): Promise<readonly ExpiredLease[]> {
    this.checkOpen();
    const now = wholeMs("nowMs", nowMs);
    positiveInt("limit", limit);
    // Oldest deadline first, ties by lease id: the order of a Redis sorted set.
    const due = [...this.leases]
      .filter(([, lease]) => lease.expiresAtMs <= now)
      .sort(([aId, a], [bId, b]) => a.expiresAtMs - b.expiresAtMs || (aId < bId ? -1 : aId > bId ? 1 : 0))
      .slice(0, limit);
    return due.map(([leaseId, lease]) => {
      const { entry, record } = this.leaseTarget(lease);
      const version = this.removeRecord(entry, record, "EXPIRED", now);
      return { service: entry.service, endpointId: record.id, leaseId, version };
    });
  }

  async collectIdleServices(nowMs: number, limit: number): Promise<readonly string[]> {
    this.checkOpen();
    const cutoff = wholeMs("nowMs", nowMs) - this.options.serviceRetentionMs;
    positiveInt("limit", limit);
    const due = [...this.services.values()]
      .filter((entry) => entry.idleSinceMs !== undefined && entry.idleSinceMs <= cutoff)
      .sort((a, b) => (a.idleSinceMs ?? 0) - (b.idleSinceMs ?? 0))
      .slice(0, limit);
    for (const entry of due) {
      this.versionFloor = Math.max(this.versionFloor, entry.version);
      this.services.delete(entry.service);
    }
    return due.map((entry) => entry.service);
  }

  async endpointCounts(): Promise<ReadonlyMap<string, number>> {
    this.checkOpen();
    return new Map([...this.services.values()].map((entry) => [entry.service, entry.endpoints.size]));
  }

  async getService(service: string): Promise<ServiceState> {
    this.checkOpen();
    const entry = this.services.get(service);
    if (entry === undefined)
      return {
        service,
        version: this.versionFloor,
        endpoints: [],
        policy: undefined,
        routes: undefined,
        emptiedByAdmin: false,
      };
    return entry.state((record) => this.deadlineOf(record));
  }

  async listServices(): Promise<readonly ServiceSummary[]> {
    this.checkOpen();
    return [...this.services.values()]
      .map((entry) => entry.summary())
      .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }

  async changesSince(service: string, version: number): Promise<readonly Change[] | undefined> {
    this.checkOpen();
    const entry = this.services.get(service);
    if (entry === undefined) return version === this.versionFloor ? [] : undefined;
    return entry.changesSince(version);
  }

  subscribe(listener: (notice: ChangeNotice) => void): () => void {
    return this.listeners.add(listener);
  }

  onResync(_listener: () => void): () => void {
    // The feed is in-process and never skips a change.
    return () => {};
  }

  async publishSubscribers(replicaId: string, subscribers: SubscriberTable, ttlMs: number): Promise<void> {
    this.checkOpen();
    positiveInt("ttlMs", ttlMs);
    // A JSON copy: what RedisStore would hand back, and safe from later changes by the caller.
    const list: unknown = JSON.parse(subscriberTableJson(subscribers));
    if (!Array.isArray(list)) throw new TypeError("a subscriber table must be a JSON array");
    this.subscriberLists.set(replicaId, list as SubscriberInfo[], ttlMs);
  }

  async listSubscribers(): Promise<readonly SubscriberInfo[]> {
    this.checkOpen();
    return this.subscriberLists
      .live()
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, list]) => list);
  }

  async publishClientReports(reports: readonly ClientReportEntry[], ttlMs: number): Promise<void> {
    this.checkOpen();
    const checked = reports.map(checkClientReportEntry);
    positiveInt("ttlMs", ttlMs);
    const touched = new Map<string, Map<string, ClientReportEntry>>();
    for (const entry of checked) {
      const byClient = touched.get(entry.service) ?? this.clientReports.get(entry.service) ?? new Map();
      const current = byClient.get(entry.clientId);
      if (!current || current.receivedAtMs <= entry.receivedAtMs) byClient.set(entry.clientId, entry);
      touched.set(entry.service, byClient);
    }
    for (const [service, byClient] of touched) this.clientReports.set(service, byClient, ttlMs);
  }

  async listClientReports(service: string, sinceMs: number): Promise<readonly ClientReportEntry[]> {
    this.checkOpen();
    const since = wholeMs("sinceMs", sinceMs);
    const byClient = this.clientReports.get(service);
    if (!byClient) return [];
    for (const [clientId, entry] of byClient) if (entry.receivedAtMs < since) byClient.delete(clientId);
    return [...byClient.values()].sort((a, b) =>
      a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0,
    );
  }

  async ready(): Promise<void> {
    this.checkOpen();
  }

  onAvailabilityChange(_listener: (available: boolean) => void): () => void {
    // Memory is always available; there is never anything to report.
    return () => {};
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.subscriberLists.clear();
    this.clientReports.clear();
    this.revoked.clear();
    this.replies.clear();
  }

  /** Runs a mutation once per request id: a repeat within the retention answers the first result. */
  private once<T>(operation: string, options: MutationOptions | undefined, run: () => T): T {
    const id = options?.requestId;
    if (id === undefined || id === "") return run();
    const key = `${operation}:${id}`;
    if (this.replies.has(key)) return this.replies.get(key) as T;
    this.replies.prune();
    const reply = run();
    this.replies.set(key, reply, this.options.requestIdRetentionMs);
    return reply;
  }

  private checkOpen(): void {
    if (this.closed) throw storeClosed("memory");
  }

  private serviceEntry(service: string): MemoryService {
    let entry = this.services.get(service);
    if (entry === undefined) {
      entry = new MemoryService(service, this.options.changeLogLength, this.versionFloor);
      this.services.set(service, entry);
    }
    return entry;
  }

  private leaseTarget(lease: LeaseEntry): { entry: MemoryService; record: EndpointRecord } {
    const entry = this.services.get(lease.service);
    const record = entry?.endpoints.get(lease.endpointId);
    if (entry === undefined || record === undefined) {
      throw storeFailure(`lease points at ${lease.service}/${lease.endpointId}, which is not registered`);
    }
    return { entry, record };
  }

  private deadlineOf(record: EndpointRecord): number {
    return this.leases.get(record.leaseId)?.expiresAtMs ?? record.expiresAtMs;
  }

  private removeRecord(
    entry: MemoryService,
    record: EndpointRecord,
    reason: RemovalReason,
    nowMs: number,
  ): number {
    entry.endpoints.delete(record.id);
    this.leases.delete(record.leaseId);
    const version = this.recordChange(entry, (v) => ({
      kind: "endpoint_removed",
      service: entry.service,
      version: v,
      endpointId: record.id,
      reason,
    }));
    entry.trackIdle(nowMs);
    return version;
  }

  private upsert(entry: MemoryService, endpoint: EndpointRecord): number {
    entry.endpoints.set(endpoint.id, endpoint);
    return this.recordChange(entry, (version) => ({
      kind: "endpoint_upserted",
      service: entry.service,
      version,
      endpoint,
    }));
  }

  private storePolicy(entry: MemoryService, policy: Policy): number {
    entry.policyJson = Policy.toJSON(policy);
    const stored = deepFreeze(Policy.fromJSON(entry.policyJson));
    const { service } = entry;
    const version = this.recordChange(entry, (v) => ({
      kind: "policy_set",
      service,
      version: v,
      policy: stored,
    }));
    entry.trackIdle(this.options.clock.now());
    return version;
  }

  private storeRoutes(entry: MemoryService, routes: RouteTable): number {
    const json = routesToJson(routes);
    const { service } = entry;
    const version = this.recordChange(entry, (v) => ({
      kind: "routes_set",
      service,
      version: v,
      routes: deepFreeze(routesFromJson(json, v)),
    }));
    entry.routes = { json, version };
    entry.trackIdle(this.options.clock.now());
    return version;
  }

  /** Sets (or, with undefined, ends) what a rollout delivers, recording rollout_stage. */
  private storeOverlay(entry: MemoryService, overlay: RolloutOverlay | undefined): number {
    const json = overlay === undefined ? undefined : overlayToJson(overlay);
    const { service } = entry;
    const version = this.recordChange(entry, (v) => ({
      kind: "rollout_stage",
      service,
      version: v,
      overlay: json === undefined ? undefined : deepFreeze(overlayFromJson(json, v)),
    }));
    entry.rollout = json === undefined ? undefined : { json, version };
    return version;
  }

  /** Bumps the version, appends to the capped log and feeds subscribers: one step. */
  private recordChange(entry: MemoryService, make: (version: number) => Change): number {
    const change = entry.record(make);
    this.listeners.emitLater({ ...change, epoch: this.epochId });
    return change.version;
  }
}
