import { CLIENT_REPORT_LIMITS, type Clock } from "@switchboard/core";
import type { Store } from "../store/types.js";
import { type FleetRecord, fromEntry, toEntry } from "./fleet-record.js";
import { isFresh } from "./service-health.js";

/** Reports per store call when publishing. */
const BATCH = 256;

/** The longest a report can count: three of the longest interval a client may use. */
export const REPORT_RETENTION_MS =
  CLIENT_REPORT_LIMITS.staleAfterIntervals * CLIENT_REPORT_LIMITS.intervalMs.max;

export interface FleetReportsOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** Reports received meanwhile are published together, at most this often. */
  readonly publishIntervalMs: number;
  readonly onStoreError: (operation: string, error: unknown) => void;
}

function key(record: FleetRecord): string {
  return `${record.report.service}\n${record.clientId}`;
}

/**
 * The client reports of one replica: the latest per (service, client) of its own streams, kept
 * here and published to the store in batches (at most every `publishIntervalMs`), so every
 * replica can merge the reports of every client. Reading merges the store's with this replica's
 * own, the newest per client winning, so a report counts here before it is published.
 */
export class FleetReports {
  private readonly local = new Map<string, Map<string, FleetRecord>>();
  private readonly pending = new Map<string, FleetRecord>();
  private timer: NodeJS.Timeout | undefined;
  private publishing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: FleetReportsOptions) {}

  /** A report arrived on one of this replica's streams. */
  receive(record: FleetRecord): void {
    if (this.stopped) return;
    const service = record.report.service;
    let byClient = this.local.get(service);
    if (!byClient) {
      byClient = new Map();
      this.local.set(service, byClient);
    }
    byClient.set(record.clientId, record);
    this.pending.set(key(record), record);
    this.schedule();
  }

  /** The latest record of every client of `service`, over every replica (stale ones included). */
  async recordsOf(service: string): Promise<FleetRecord[]> {
    const since = this.options.clock.now() - REPORT_RETENTION_MS;
    const stored = await this.options.store.listClientReports(service, Math.max(0, Math.floor(since)));
    const newest = new Map<string, FleetRecord>();
    const consider = (r: FleetRecord | undefined) => {
      if (!r) return;
      const current = newest.get(r.clientId);
      if (!current || current.receivedAtMs < r.receivedAtMs) newest.set(r.clientId, r);
    };
    for (const entry of stored) consider(fromEntry(entry));
    for (const r of this.local.get(service)?.values() ?? []) consider(r);
    return [...newest.values()];
  }

  /** Publishes what is pending now (the timer would within `publishIntervalMs`). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.publishing;
    await this.publish();
  }

  /** Stops publishing (what is pending is dropped: the clients report again to another replica). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.publishing;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publishing = this.publish().finally(() => {
        this.publishing = undefined;
      });
    }, this.options.publishIntervalMs);
    this.timer.unref();
  }

  private async publish(): Promise<void> {
    this.forgetStale();
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (let start = 0; start < batch.length; start += BATCH) {
      const slice = batch.slice(start, start + BATCH);
      try {
        await this.options.store.publishClientReports(slice.map(toEntry), REPORT_RETENTION_MS);
      } catch (error) {
        this.options.onStoreError("publishClientReports", error);
        // Published with the next batch, unless a newer report replaced it meanwhile.
        for (const r of slice) if (!this.pending.has(key(r))) this.pending.set(key(r), r);
        this.schedule();
      }
    }
  }

  /** Local reports that no longer count are forgotten (their clients left or stopped reporting). */
  private forgetStale(): void {
    const now = this.options.clock.now();
    for (const [service, byClient] of this.local) {
      for (const [clientId, r] of byClient) if (!isFresh(r, now)) byClient.delete(clientId);
      if (byClient.size === 0) this.local.delete(service);
    }
  }
}
