import type { Logger } from "pino";
import type { Store, SubscriberInfo } from "../store/types.js";

export interface SubscriberTableOptions {
  readonly store: Store;
  readonly replicaId: string;
  readonly logger: Logger;
  /** The published table disappears this long after the last publish (a dead replica's too). */
  readonly ttlMs: number;
  /** Publishes at most this often while subscribers change. */
  readonly minIntervalMs: number;
  readonly collect: () => readonly SubscriberInfo[];
  readonly onStoreError: (operation: string, error: unknown) => void;
}

/**
 * Publishes this replica's subscriber table (for Admin.ListSubscribers and AwaitPropagation on
 * every replica): throttled while it changes, refreshed before its TTL runs out.
 */
export class SubscriberTablePublisher {
  private timer: NodeJS.Timeout | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private lastPublishMs = 0;
  /** How long the last publish kept the event loop busy (building and encoding the table). */
  private lastCostMs = 0;
  private publishing: Promise<void> | undefined;
  private dirtyWhilePublishing = false;
  private stopped = false;

  constructor(private readonly opts: SubscriberTableOptions) {}

  start(): void {
    const every = Math.max(100, Math.floor(this.opts.ttlMs / 3));
    this.refresh = setInterval(() => void this.publishNow(), every);
    this.refresh.unref();
    void this.publishNow();
  }

  /** Something in the table moved: publish soon (throttled). */
  changed(): void {
    if (this.stopped) return;
    if (this.publishing) {
      this.dirtyWhilePublishing = true;
      return;
    }
    if (this.timer) return;
    // A large table costs real time to build and encode: publish at most every 20 times that,
    // so publishing takes no more than ~5% of the event loop whatever the number of streams.
    const interval = Math.max(this.opts.minIntervalMs, 20 * this.lastCostMs);
    const wait = Math.max(0, this.lastPublishMs + interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.publishNow();
    }, wait);
    this.timer.unref();
  }

  async publishNow(): Promise<void> {
    if (this.publishing) {
      this.dirtyWhilePublishing = true;
      return this.publishing;
    }
    const started = performance.now();
    this.publishing = this.publish(this.stopped ? [] : this.opts.collect());
    this.lastCostMs = performance.now() - started;
    try {
      await this.publishing;
    } finally {
      this.publishing = undefined;
    }
    if (this.dirtyWhilePublishing && !this.stopped) {
      this.dirtyWhilePublishing = false;
      this.changed();
    }
  }

  /** Stops publishing and withdraws this replica's table (best effort). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.refresh);
    await this.publishing?.catch(() => undefined);
    await this.publish([]);
  }

  private async publish(table: readonly SubscriberInfo[]): Promise<void> {
    this.lastPublishMs = Date.now();
    try {
      await this.opts.store.publishSubscribers(this.opts.replicaId, table, this.opts.ttlMs);
    } catch (error) {
      this.opts.onStoreError("publishSubscribers", error);
    }
  }
}
