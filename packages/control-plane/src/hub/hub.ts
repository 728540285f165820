import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { ControlPlaneMetrics } from "../metrics.js";
import type { Change, Store, SubscriberInfo } from "../store/types.js";
import { ServiceCache } from "./service-cache.js";
import type { ServiceEntry } from "./service-entry.js";
import { type SubscriberRow, SubscriberTablePublisher } from "./subscriber-table.js";
import type { Subscription } from "./subscription.js";
import type { PushKind, SessionHost, SessionInfo, WatchSink } from "./types.js";
import { type SessionStats, WatchSession } from "./watch-session.js";

export interface DiscoveryHubOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics: ControlPlaneMetrics;
  readonly replicaId: string;
  readonly maxSubscriptionsPerStream: number;
  /** Changes kept per subscribed service to build deltas. */
  readonly historyLimit: number;
  readonly subscriberTableTtlMs: number;
  readonly subscriberPublishIntervalMs: number;
  /** How often the store's epoch is checked (a wipe with no change after it). */
  readonly epochCheckIntervalMs: number;
  /** Called with every store failure (counted in metrics by the caller). */
  readonly onStoreError: (operation: string, error: unknown) => void;
  /** More rows for the published subscriber table (the xDS streams). */
  readonly extraSubscriberRows?: () => readonly SubscriberRow[];
}

/**
 * The discovery hub: the watch seam between the store's change feed and the Discovery streams.
 * It keeps each subscribed service's state once per replica and gives every stream its own
 * session (send loop), so a slow stream never holds the others up.
 */
export class DiscoveryHub implements SessionHost {
  private readonly cache: ServiceCache;
  private readonly sessions = new Set<WatchSession>();
  private readonly table: SubscriberTablePublisher;
  private readonly log: Logger;
  private unsubscribeFeed: (() => void) | undefined;
  private unsubscribeAvailability: (() => void) | undefined;
  private epochTimer: NodeJS.Timeout | undefined;
  private subscriptionCount = 0;
  private readonly pushCounters: Readonly<Record<PushKind, { inc(): void }>>;

  constructor(private readonly opts: DiscoveryHubOptions) {
    this.log = opts.logger.child({ component: "hub" });
    const pushes = opts.metrics.pushes;
    this.pushCounters = {
      snapshot: pushes.labels("snapshot"),
      delta: pushes.labels("delta"),
      error: pushes.labels("error"),
    };
    this.cache = new ServiceCache({
      store: opts.store,
      logger: this.log,
      historyLimit: opts.historyLimit,
      retryDelayMs: 1000,
      onStoreError: opts.onStoreError,
    });
    this.table = new SubscriberTablePublisher({
      store: opts.store,
      replicaId: opts.replicaId,
      logger: this.log,
      ttlMs: opts.subscriberTableTtlMs,
      minIntervalMs: opts.subscriberPublishIntervalMs,
      collect: () => [...this.sessions, ...(opts.extraSubscriberRows?.() ?? [])],
      onStoreError: opts.onStoreError,
    });
  }

  /** Reads the epoch and starts following the change feed. */
  async start(): Promise<void> {
    this.cache.init(await this.opts.store.epoch());
    const unsubscribeNotices = this.opts.store.subscribe((notice) => this.cache.onNotice(notice));
    const unsubscribeResync = this.opts.store.onResync(() => this.cache.resync());
    this.unsubscribeFeed = () => {
      unsubscribeNotices();
      unsubscribeResync();
    };
    this.unsubscribeAvailability = this.opts.store.onAvailabilityChange((up) => {
      if (up) void this.checkEpoch().then(() => this.cache.resync());
    });
    this.epochTimer = setInterval(() => void this.checkEpoch(), this.opts.epochCheckIntervalMs);
    this.epochTimer.unref();
    this.table.start();
  }

  get epoch(): string {
    return this.cache.epoch;
  }

  /** A session for a new Discovery stream; `helloEpoch` is the epoch the client's versions
   * belong to (Hello.epoch). */
  openSession(sink: WatchSink, info: SessionInfo, helloEpoch = ""): WatchSession {
    const max = this.opts.maxSubscriptionsPerStream;
    const limits = { maxSubscriptions: max, maxPendingErrors: max + 64 };
    const session = new WatchSession(this, sink, info, limits, helloEpoch);
    this.sessions.add(session);
    this.opts.metrics.subscribers.set(this.sessions.size);
    this.table.changed();
    return session;
  }

  closeSession(session: WatchSession): void {
    session.close();
    if (!this.sessions.delete(session)) return;
    this.opts.metrics.subscribers.set(this.sessions.size);
    this.table.changed();
  }

  /** This replica's subscribers, live (fresher than what the store holds for it). */
  localSubscribers(): SubscriberInfo[] {
    return [...this.sessions].map((s) => s.toSubscriberInfo(this.opts.replicaId));
  }

  sessionStats(): SessionStats[] {
    return [...this.sessions].map((s) => s.stats());
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Services held in memory (for tests). */
  get cachedServices(): number {
    return this.cache.size;
  }

  /** Stops following the store and withdraws the subscriber table. Sessions are closed by
   * their streams (the Discovery service ends them first). */
  async close(): Promise<void> {
    clearInterval(this.epochTimer);
    this.unsubscribeFeed?.();
    this.unsubscribeAvailability?.();
    for (const s of this.sessions) s.close();
    this.sessions.clear();
    this.cache.close();
    await this.table.stop();
  }

  // SessionHost

  entry(service: string): ServiceEntry | undefined {
    return this.cache.get(service);
  }

  changesSince(service: string, version: number): Promise<readonly Change[] | undefined> {
    return this.cache.changesSince(service, version);
  }

  attach(subscription: Subscription): void {
    this.cache.attach(subscription);
    this.subscriptionCount += 1;
    this.opts.metrics.subscriptions.set(this.subscriptionCount);
  }

  detach(subscription: Subscription): void {
    this.cache.detach(subscription);
    this.subscriptionCount -= 1;
    this.opts.metrics.subscriptions.set(this.subscriptionCount);
  }

  pushed(kind: PushKind, changeAtMs: number | undefined): void {
    this.pushCounters[kind].inc();
    if (changeAtMs !== undefined) {
      this.opts.metrics.pushLatency.observe((performance.now() - changeAtMs) / 1000);
    }
  }

  nacked(service: string): void {
    // Clients choose the names they subscribe to: only services the store knows get a label.
    this.opts.metrics.countNack(service, (this.cache.get(service)?.version ?? 0) > 0);
  }

  unknownNonce(): void {
    this.opts.metrics.unknownNonces.inc();
  }

  tableChanged(): void {
    this.table.changed();
  }

  storeFailed(operation: string, error: unknown): void {
    this.opts.onStoreError(operation, error);
  }

  private async checkEpoch(): Promise<void> {
    try {
      this.cache.startEpoch(await this.opts.store.epoch());
    } catch (error) {
      this.opts.onStoreError("epoch", error);
    }
  }
}
