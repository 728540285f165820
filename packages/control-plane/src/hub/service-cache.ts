import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { Change, ChangeNotice, Store } from "../store/types.js";
import { ServiceEntry } from "./service-entry.js";
import type { Subscription } from "./subscription.js";

export interface ServiceCacheOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Changes kept per service for deltas. */
  readonly historyLimit: number;
  /** Wait before retrying a failed load. */
  readonly retryDelayMs: number;
  readonly onStoreError: (operation: string, error: unknown) => void;
}

/**
 * The state of every service subscribed on this replica, kept current from the store's change
 * feed. On a gap (a missed version) it catches up from the store's change log, or reloads the
 * service; on a new epoch (the store was wiped) it reloads everything.
 */
export class ServiceCache {
  private readonly entries = new Map<string, ServiceEntry>();
  private readonly inflightLogs = new Map<string, Promise<readonly Change[] | undefined>>();
  private currentEpoch = "";
  private closed = false;

  constructor(private readonly opts: ServiceCacheOptions) {}

  get epoch(): string {
    return this.currentEpoch;
  }

  /** Sets the epoch read at start-up (before any subscription). */
  init(epoch: string): void {
    this.currentEpoch = epoch;
  }

  get(service: string): ServiceEntry | undefined {
    return this.entries.get(service);
  }

  get size(): number {
    return this.entries.size;
  }

  attach(sub: Subscription): void {
    let entry = this.entries.get(sub.service);
    if (!entry) {
      entry = new ServiceEntry(sub.service, this.opts.historyLimit);
      this.entries.set(sub.service, entry);
      void this.load(entry);
    }
    entry.listeners.add(sub);
    if (entry.status === "ready") sub.notify();
  }

  detach(sub: Subscription): void {
    const entry = this.entries.get(sub.service);
    if (!entry) return;
    entry.listeners.delete(sub);
    if (entry.listeners.size === 0) {
      entry.loadSeq += 1; // drops any load in flight
      this.entries.delete(sub.service);
    }
  }

  /** A change from the feed. */
  onNotice(notice: ChangeNotice): void {
    if (this.closed) return;
    if (notice.epoch !== this.currentEpoch) {
      this.startEpoch(notice.epoch);
      return;
    }
    const entry = this.entries.get(notice.service);
    if (!entry) return;
    if (entry.status !== "ready") {
      entry.pending.push(notice);
      if (entry.pending.length > this.opts.historyLimit) entry.pending.splice(0, entry.pending.length - 1);
      return;
    }
    if (notice.version <= entry.version) return;
    if (notice.version === entry.version + 1) {
      entry.apply(notice, performance.now());
      entry.notifyAll();
      return;
    }
    void this.catchUp(entry);
  }

  /** The store was wiped (or replaced): every service is read again; subscribers get snapshots. */
  startEpoch(epoch: string): void {
    if (epoch === this.currentEpoch || this.closed) return;
    this.opts.logger.warn(
      { from: this.currentEpoch, to: epoch },
      "store epoch changed; reloading every service",
    );
    this.currentEpoch = epoch;
    for (const entry of this.entries.values()) {
      entry.pending = [];
      void this.load(entry);
    }
  }

  /** After the store was unreachable: reads what every service missed meanwhile. */
  resync(): void {
    for (const entry of this.entries.values()) {
      if (entry.status === "loading") continue;
      void (entry.status === "failed" ? this.load(entry) : this.catchUp(entry));
    }
  }

  /** The store's change log after `version` (one read shared by concurrent callers). */
  changesSince(service: string, version: number): Promise<readonly Change[] | undefined> {
    const key = `${version}@${service}`;
    let p = this.inflightLogs.get(key);
    if (!p) {
      p = this.opts.store.changesSince(service, version).finally(() => this.inflightLogs.delete(key));
      this.inflightLogs.set(key, p);
    }
    return p;
  }

  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) entry.loadSeq += 1;
    this.entries.clear();
  }

  private isCurrent(entry: ServiceEntry, seq: number): boolean {
    return !this.closed && entry.loadSeq === seq && this.entries.get(entry.name) === entry;
  }

  private async load(entry: ServiceEntry): Promise<void> {
    const seq = ++entry.loadSeq;
    entry.status = "loading";
    try {
      const state = await this.opts.store.getService(entry.name);
      if (!this.isCurrent(entry, seq)) return;
      entry.reset(state);
      this.finishLoad(entry);
    } catch (error) {
      this.failed(entry, seq, "getService", error);
    }
  }

  private async catchUp(entry: ServiceEntry): Promise<void> {
    const seq = ++entry.loadSeq;
    entry.status = "loading";
    try {
      const changes = await this.opts.store.changesSince(entry.name, entry.version);
      if (!this.isCurrent(entry, seq)) return;
      if (!changes || !this.applyInOrder(entry, changes)) {
        await this.load(entry);
        return;
      }
      this.finishLoad(entry);
    } catch (error) {
      this.failed(entry, seq, "changesSince", error);
    }
  }

  /** Applies changes that follow the entry's version; false on a gap. */
  private applyInOrder(entry: ServiceEntry, changes: readonly Change[]): boolean {
    const now = performance.now();
    for (const c of [...changes].sort((a, b) => a.version - b.version)) {
      if (c.version <= entry.version) continue;
      if (c.version !== entry.version + 1) return false;
      entry.apply(c, now);
    }
    return true;
  }

  private finishLoad(entry: ServiceEntry): void {
    const pending = entry.pending;
    entry.pending = [];
    if (!this.applyInOrder(entry, pending)) {
      void this.catchUp(entry);
      return;
    }
    entry.status = "ready";
    entry.notifyAll();
  }

  private failed(entry: ServiceEntry, seq: number, operation: string, error: unknown): void {
    if (!this.isCurrent(entry, seq)) return;
    entry.status = "failed";
    this.opts.onStoreError(operation, error);
    setTimeout(() => {
      if (this.isCurrent(entry, seq) && entry.status === "failed") void this.load(entry);
    }, this.opts.retryDelayMs).unref();
  }
}
