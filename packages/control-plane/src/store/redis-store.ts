/**
 * The shared store: registry, leases, policies and the change feed in Redis, so several
 * control-plane replicas can serve one mesh. Every mutation is one Lua script (see lua/ and
 * keys.ts); a second connection tails the change stream for `subscribe()`.
 *
 * While Redis is unreachable every call fails fast with UNAVAILABLE instead of queueing, and
 * `onAvailabilityChange` reports it; ioredis keeps reconnecting, and the store is usable again,
 * with the feed resumed where it stopped, as soon as Redis answers.
 */
import { randomUUID } from "node:crypto";
import { isMeshError } from "@switchboard/core";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { Redis } from "ioredis";
import { ChangeStreamTail } from "./change-tail.js";
import { ContinuityGuard } from "./continuity.js";
import { storeClosed, storeFailure, storeUnavailable } from "./errors.js";
import { storeKeys } from "./keys.js";
import { ListenerSet, warnListenerError } from "./listeners.js";
import {
  checkClientReportEntry,
  checkHealth,
  checkRegisterInput,
  newEndpointRecord,
  nonNegativeInt,
  positiveInt,
  wholeMs,
} from "./records.js";
import { createRedisClient } from "./redis-client.js";
import { StoreScripts } from "./redis-scripts.js";
import { describeRedisTarget } from "./redis-url.js";
import {
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  resolveRedisStoreOptions,
} from "./store-options.js";
import type {
  Change,
  ChangeNotice,
  ClaimRolloutResult,
  ClientReportEntry,
  DeregisterResult,
  ExpiredLease,
  Health,
  MutationOptions,
  MutationResult,
  RegisterInput,
  RegisterResult,
  RenewItem,
  RenewResult,
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

/** What ioredis rejects a command with after `commandTimeout`. */
const TIMEOUT_MESSAGE = "Command timed out";

function isTimeout(error: unknown): boolean {
  return isMeshError(error) && error.cause instanceof Error && error.cause.message === TIMEOUT_MESSAGE;
}

/** The caller's request id, or a fresh one, so the store's own retry is idempotent too. */
function requestIdOf(options: { readonly requestId?: string | undefined } | undefined): string {
  const id = options?.requestId;
  return id === undefined || id === "" ? randomUUID() : id;
}

export class RedisStore implements Store {
  readonly kind = "redis" as const;
  private readonly options: ResolvedRedisStoreOptions;
  private readonly where: string;
  private readonly client: Redis;
  private readonly scripts: StoreScripts;
  private readonly tail: ChangeStreamTail;
  private readonly guard: ContinuityGuard;
  private readonly listeners: ListenerSet<ChangeNotice>;
  private readonly availabilityListeners: ListenerSet<boolean>;
  private readonly resyncListeners: ListenerSet<void>;
  /** undefined until the first connection attempt settles. */
  private available: boolean | undefined;
  private lastEpoch: string | undefined;
  private closed = false;
  private readonly connected: Promise<void>;
  private cancelConnected: (error: Error) => void = () => {};

  constructor(options: RedisStoreOptions) {
    this.options = resolveRedisStoreOptions(options);
    this.where = describeRedisTarget(this.options.url);
    const logger = this.options.logger;
    const onListenerError = logger
      ? (error: unknown) => logger.error({ err: error }, "store listener threw")
      : warnListenerError;
    this.listeners = new ListenerSet(onListenerError);
    this.availabilityListeners = new ListenerSet(onListenerError);
    this.resyncListeners = new ListenerSet(onListenerError);
    const keys = storeKeys(this.options.keyPrefix);
    this.client = createRedisClient(this.options, "commands");
    this.scripts = new StoreScripts(this.client, keys, this.options, (epoch) => this.observeEpoch(epoch));
    this.guard = new ContinuityGuard({
      client: this.client,
      keys,
      logger,
      onEpoch: (epoch) => {
        this.lastEpoch = epoch;
      },
    });
    const tailClient = createRedisClient(this.options, "tail");
    tailClient.on("error", () => {});
    this.tail = new ChangeStreamTail(
      tailClient,
      {
        streamKey: keys.changes,
        blockMs: this.options.tailBlockMs,
        batchSize: this.options.tailBatchSize,
        logger,
      },
      (notice) => this.guard.streamed(notice, (n) => this.listeners.emit(n)),
      () => this.resyncListeners.emit(undefined),
    );
    this.connected = new Promise<void>((resolve, reject) => {
      this.cancelConnected = reject;
      this.client.once("ready", () => resolve());
    });
    this.connected.catch(() => {});
    this.watchConnection();
    this.tail.start();
  }

  async ready(): Promise<void> {
    this.checkOpen();
    await this.connected;
    await this.tail.started;
  }

  onAvailabilityChange(listener: (available: boolean) => void): () => void {
    return this.availabilityListeners.add(listener);
  }

  subscribe(listener: (notice: ChangeNotice) => void): () => void {
    return this.listeners.add(listener);
  }

  onResync(listener: () => void): () => void {
    return this.resyncListeners.add(listener);
  }

  epoch(): Promise<string> {
    return this.call(() => this.scripts.epoch());
  }

  async register(input: RegisterInput, nowMs: number): Promise<RegisterResult> {
    this.checkOpen();
    checkRegisterInput(input);
    const record = newEndpointRecord(input, randomUUID(), wholeMs("nowMs", nowMs), false);
    const args = {
      maxEndpointsPerService: input.maxEndpointsPerService,
      replacesLeaseId: input.replacesLeaseId ?? "",
      takeover: input.takeover === true,
      requestId: requestIdOf(input),
    };
    const result = await this.mutation(() => this.scripts.register(record, args));
    if (result.status === "registered") this.guard.saw(result.epoch, input.service, result.version);
    return result;
  }

  renew(leaseId: string, health: Health | undefined, nowMs: number): Promise<RenewResult> {
    return this.call(() => {
      if (health !== undefined) checkHealth("health", health);
      return this.scripts.renew(leaseId, health, wholeMs("nowMs", nowMs));
    });
  }

  renewMany(items: readonly RenewItem[], nowMs: number): Promise<RenewResult[]> {
    return this.call(() => {
      for (const item of items) if (item.health !== undefined) checkHealth("health", item.health);
      return items.length === 0
        ? Promise.resolve([])
        : this.scripts.renewMany(items, wholeMs("nowMs", nowMs));
    });
  }

  deregister(leaseId: string, options?: MutationOptions): Promise<DeregisterResult> {
    const requestId = requestIdOf(options);
    return this.mutation(() => this.scripts.deregister(leaseId, requestId));
  }

  setAdminDrain(
    service: string,
    endpointId: string,
    drained: boolean,
    options?: MutationOptions,
  ): Promise<MutationResult> {
    const requestId = requestIdOf(options);
    return this.mutation(() => this.scripts.setAdminDrain(service, endpointId, drained, requestId));
  }

  async removeEndpoint(
    service: string,
    endpointId: string,
    revokeForMs: number,
    options?: MutationOptions,
  ): Promise<MutationResult> {
    this.checkOpen();
    nonNegativeInt("revokeForMs", revokeForMs);
    const requestId = requestIdOf(options);
    return this.mutation(() => this.scripts.removeEndpoint(service, endpointId, revokeForMs, requestId));
  }

  async setPolicy(
    service: string,
    policy: Policy,
    options?: MutationOptions,
  ): Promise<{ readonly version: number }> {
    const requestId = requestIdOf(options);
    const result = await this.mutation(() => this.scripts.setPolicy(service, policy, requestId));
    this.sawVersion(service, result.version);
    return result;
  }

  deletePolicy(service: string, options?: MutationOptions): Promise<MutationResult> {
    const requestId = requestIdOf(options);
    return this.mutation(() => this.scripts.deletePolicy(service, requestId));
  }

  async setRoutes(
    service: string,
    routes: RouteTable,
    options?: MutationOptions,
  ): Promise<{ readonly version: number }> {
    const requestId = requestIdOf(options);
    const result = await this.mutation(() => this.scripts.setRoutes(service, routes, requestId));
    this.sawVersion(service, result.version);
    return result;
  }

  deleteRoutes(service: string, options?: MutationOptions): Promise<MutationResult> {
    const requestId = requestIdOf(options);
    return this.mutation(() => this.scripts.deleteRoutes(service, requestId));
  }

  async expireLeases(nowMs: number, limit: number): Promise<readonly ExpiredLease[]> {
    const expired = await this.call(() =>
      this.scripts.expireLeases(wholeMs("nowMs", nowMs), positiveInt("limit", limit)),
    );
    for (const lease of expired) this.sawVersion(lease.service, lease.version);
    return expired;
  }

  collectIdleServices(nowMs: number, limit: number): Promise<readonly string[]> {
    return this.call(() =>
      this.scripts.collectIdleServices(wholeMs("nowMs", nowMs), positiveInt("limit", limit)),
    );
  }

  endpointCounts(): Promise<ReadonlyMap<string, number>> {
    return this.call(() => this.scripts.endpointCounts());
  }

  async getService(service: string): Promise<ServiceState> {
    const state = await this.call(() => this.scripts.getService(service));
    this.sawVersion(service, state.version);
    return state;
  }

  listServices(): Promise<readonly ServiceSummary[]> {
    return this.call(() => this.scripts.listServices());
  }

  changesSince(service: string, version: number): Promise<readonly Change[] | undefined> {
    return this.call(async () =>
      Number.isSafeInteger(version) && version >= 0 ? this.scripts.changesSince(service, version) : undefined,
    );
  }

  publishSubscribers(replicaId: string, subscribers: SubscriberTable, ttlMs: number): Promise<void> {
    return this.call(() =>
      this.scripts.publishSubscribers(replicaId, subscribers, positiveInt("ttlMs", ttlMs)),
    );
  }

  listSubscribers(): Promise<readonly SubscriberInfo[]> {
    return this.call(() => this.scripts.listSubscribers());
  }

  publishClientReports(reports: readonly ClientReportEntry[], ttlMs: number): Promise<void> {
    return this.call(() =>
      this.scripts.publishClientReports(reports.map(checkClientReportEntry), positiveInt("ttlMs", ttlMs)),
    );
  }

  listClientReports(service: string, sinceMs: number): Promise<readonly ClientReportEntry[]> {
    return this.call(() => this.scripts.listClientReports(service, wholeMs("sinceMs", sinceMs)));
  }

  async startRollout(input: StartRolloutInput): Promise<StartRolloutResult> {
    return this.call(() => this.scripts.startRollout(input));
  }

  async writeRollout(input: WriteRolloutInput): Promise<WriteRolloutResult> {
    return this.call(() => this.scripts.writeRollout(input));
  }

  async claimRollout(
    service: string,
    replicaId: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<ClaimRolloutResult> {
    const lease = positiveInt("leaseMs", leaseMs);
    return this.call(() => this.scripts.claimRollout(service, replicaId, lease, wholeMs("nowMs", nowMs)));
  }

  async getRollout(service: string): Promise<RolloutRecord | undefined> {
    return this.call(() => this.scripts.getRollout(service));
  }

  async listRollouts(): Promise<readonly string[]> {
    return this.call(() => this.scripts.listRollouts());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelConnected(storeClosed("redis"));
    await this.tail.stop();
    await this.quitClient();
    this.listeners.clear();
    this.availabilityListeners.clear();
    this.resyncListeners.clear();
  }

  /**
   * A mutation carrying a request id: when Redis does not answer in time it may still have
   * applied it, so it is sent once more with the same id, which answers the first result
   * instead of applying it twice.
   */
  private async mutation<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await this.call(operation);
    } catch (error) {
      if (!isTimeout(error) || this.closed) throw error;
      this.options.logger?.warn(
        { redis: this.where },
        "mutation timed out; retrying it once with its request id",
      );
      return this.call(operation);
    }
  }

  /** Runs one store operation with the fail-fast gate in front and errors translated behind. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    this.checkOpen();
    if (this.available === false) {
      throw storeUnavailable(`Redis at ${this.where} is unreachable; calls fail until it answers again`);
    }
    try {
      return await operation();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): Error {
    if (!(error instanceof Error)) return storeFailure(String(error));
    if (isMeshError(error)) return error;
    if (this.closed) return storeClosed("redis");
    if (error.name === "ReplyError")
      return storeFailure(`Redis at ${this.where} refused a script: ${error.message}`, error);
    if (error.message === TIMEOUT_MESSAGE) {
      return storeUnavailable(
        `Redis at ${this.where} did not answer within ${this.options.commandTimeoutMs} ms`,
        error,
      );
    }
    return storeUnavailable(`Redis at ${this.where}: ${error.message}`, error);
  }

  /** A version read or written in the epoch the store last reported. */
  private sawVersion(service: string, version: number): void {
    if (this.lastEpoch !== undefined) this.guard.saw(this.lastEpoch, service, version);
  }

  /**
   * Back after an outage: possibly on another server (a Sentinel failover), which may have lost
   * the last writes. The store stays unavailable until the guard has compared what Redis holds
   * with what this replica saw (and moved to a new epoch when Redis is behind).
   */
  private async reconnected(): Promise<void> {
    try {
      await this.guard.verify();
    } catch (error) {
      if (this.closed || this.client.status !== "ready") return;
      this.options.logger?.warn(
        { err: error },
        "could not compare versions after reconnecting; reconnecting",
      );
      this.client.disconnect(true);
      return;
    }
    if (this.client.status === "ready") this.setAvailable(true);
  }

  private watchConnection(): void {
    this.client.on("ready", () => {
      if (this.available === false) void this.reconnected();
      else this.setAvailable(true);
    });
    this.client.on("close", () => this.setAvailable(false));
    this.client.on("error", (error: Error) => {
      // ioredis reports every failed reconnect attempt; one line per outage is enough.
      if (this.available !== false) this.options.logger?.warn({ err: error }, "Redis connection error");
    });
  }

  private setAvailable(available: boolean): void {
    if (this.closed || this.available === available) return;
    this.available = available;
    this.options.logger?.[available ? "info" : "warn"](
      { redis: this.where },
      `Redis ${available ? "available" : "unavailable"}`,
    );
    this.availabilityListeners.emit(available);
  }

  private observeEpoch(epoch: string): void {
    if (this.lastEpoch !== undefined && this.lastEpoch !== epoch) {
      this.options.logger?.warn(
        { previous: this.lastEpoch, epoch },
        "store epoch changed: Redis data was wiped",
      );
    }
    this.lastEpoch = epoch;
  }

  private async quitClient(): Promise<void> {
    if (this.client.status !== "ready") {
      this.client.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.commandTimeoutMs);
    });
    await Promise.race([this.client.quit().catch(() => {}), timeout]);
    clearTimeout(timer);
    this.client.disconnect();
  }

  private checkOpen(): void {
    if (this.closed) throw storeClosed("redis");
  }
}
