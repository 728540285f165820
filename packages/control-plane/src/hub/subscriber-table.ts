import type { Logger } from "pino";
import type { Store, SubscriberInfo, SubscriberTable } from "../store/types.js";

/** Something that can describe itself as a row of the table (a Discovery stream). */
export interface SubscriberRow {
  toSubscriberInfo(replicaId: string): SubscriberInfo;
}

/** Rows built and encoded between two yields to the event loop (~1-3 ms of work). */
const ROWS_PER_SLICE = 256;

export interface SubscriberTableOptions {
  readonly store: Store;
  readonly replicaId: string;
  readonly logger: Logger;
  /** The published table disappears this long after the last publish (a dead replica's too). */
  readonly ttlMs: number;
  /** Publishes at most this often while subscribers change. */
  readonly minIntervalMs: number;
  /** The rows to publish now (a snapshot; each is built and encoded when its slice comes). */
  readonly collect: () => readonly SubscriberRow[];
  readonly onStoreError: (operation: string, error: unknown) => void;
}

/**
 * Publishes this replica's subscriber table (for Admin.ListSubscribers and AwaitPropagation on
 * every replica): throttled while it changes, refreshed before its TTL runs out. A large table
 * is built and encoded a slice of rows at a time, yielding to the event loop in between, so
 * publishing never holds up the pushes to the streams it describes.
 */
export class SubscriberTablePublisher {
  private timer: NodeJS.Timeout | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private lastPublishMs = 0;
  /** Event-loop time the last publish took (building and encoding the table, all slices). */
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
    this.publishing = this.stopped ? this.publish([]) : this.encodeAndPublish(this.opts.collect());
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

  private async encodeAndPublish(rows: readonly SubscriberRow[]): Promise<void> {
    const parts: string[] = new Array(rows.length);
    let costMs = 0;
    for (let start = 0; start < rows.length; start += ROWS_PER_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) return;
      const began = performance.now();
      const end = Math.min(rows.length, start + ROWS_PER_SLICE);
      for (let i = start; i < end; i++)
        parts[i] = JSON.stringify((rows[i] as SubscriberRow).toSubscriberInfo(this.opts.replicaId));
      costMs += performance.now() - began;
    }
    const began = performance.now();
    const json = `[${parts.join(",")}]`;
    costMs += performance.now() - began;
    this.lastCostMs = costMs;
    await this.publish({ json });
  }

  private async publish(table: SubscriberTable): Promise<void> {
    this.lastPublishMs = Date.now();
    try {
      await this.opts.store.publishSubscribers(this.opts.replicaId, table, this.opts.ttlMs);
    } catch (error) {
      this.opts.onStoreError("publishSubscribers", error);
    }
  }
}
