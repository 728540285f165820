import type { Clock } from "@switchboard/core";
import type { Logger } from "pino";
import type { ControlPlaneMetrics } from "./metrics.js";
import type { Store } from "./store/types.js";
import { realTimers, type Timers } from "./timers.js";

export type { Timers } from "./timers.js";

export interface LeaseReaperOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ControlPlaneMetrics;
  /** Time between sweeps. */
  readonly intervalMs: number;
  /** Leases expired per store call; a sweep repeats while whole batches come back. */
  readonly batchSize: number;
  /** How long sweeps pause after the store was unreachable (one max lease TTL), so instances
   * get a chance to renew the leases that ran out meanwhile. */
  readonly pauseAfterOutageMs: number;
  /** How long the first sweep waits after start. A persistent store (Redis) may hold leases that
   * ran out while every replica was down; their instances need time to reconnect and renew.
   * Default 0. */
  readonly pauseAtStartMs?: number;
  readonly timers?: Timers;
}

/** Batches per sweep at most, so one sweep cannot hog the event loop. */
const MAX_BATCHES_PER_SWEEP = 20;

/**
 * Removes endpoints whose lease ran out, then forgets services left without endpoints and
 * policy past the store's retention. Safe on every replica at once: the store expires each
 * lease, and collects each service, exactly once. Pauses after a store outage, and logs it.
 */
export class LeaseReaper {
  private readonly log: Logger;
  private readonly timers: Timers;
  private timer: unknown;
  private running = false;
  private storeWasDown = false;
  private pausedUntilMs = 0;
  private unsubscribe: (() => void) | undefined;
  private sweeping: Promise<number> | undefined;
  /** Leases this reaper expired since it started. */
  expired = 0;

  constructor(private readonly opts: LeaseReaperOptions) {
    this.log = opts.logger.child({ component: "lease-reaper" });
    this.timers = opts.timers ?? realTimers;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const pause = this.opts.pauseAtStartMs ?? 0;
    if (pause > 0) {
      this.pausedUntilMs = this.opts.clock.now() + pause;
      this.log.info(
        { pauseMs: pause },
        "lease expiry starts after one max lease TTL, so instances can renew first",
      );
    }
    this.unsubscribe = this.opts.store.onAvailabilityChange((up) =>
      up ? this.storeBack() : this.storeDown(),
    );
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timers.clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.sweeping?.catch(() => 0);
  }

  /** True while sweeps are paused after an outage. */
  get paused(): boolean {
    return this.storeWasDown || this.opts.clock.now() < this.pausedUntilMs;
  }

  /** One sweep now; resolves with the number of leases expired. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.timers.setTimeout(() => {
      void this.sweep().finally(() => this.schedule());
    }, this.opts.intervalMs);
  }

  private async sweepOnce(): Promise<number> {
    if (this.storeWasDown && !(await this.probe())) return 0;
    if (this.paused) return 0;
    let total = 0;
    try {
      for (let i = 0; i < MAX_BATCHES_PER_SWEEP; i++) {
        const now = Math.floor(this.opts.clock.now());
        const batch = await this.opts.store.expireLeases(now, this.opts.batchSize);
        total += batch.length;
        for (const lease of batch)
          this.log.info(
            { service: lease.service, endpoint: lease.endpointId, version: lease.version },
            "lease expired; endpoint removed",
          );
        if (batch.length < this.opts.batchSize) break;
      }
      await this.collectIdleServices();
    } catch {
      this.storeDown();
    }
    this.expired += total;
    this.opts.metrics.leaseExpiries.inc(total);
    return total;
  }

  /** Forgets services idle past the store's retention (one batch a sweep is plenty). */
  private async collectIdleServices(): Promise<void> {
    const now = Math.floor(this.opts.clock.now());
    const collected = await this.opts.store.collectIdleServices(now, this.opts.batchSize);
    if (collected.length > 0) {
      this.log.info(
        { services: collected },
        "forgot services without endpoints or policy past the retention",
      );
    }
  }

  /** After a failure: is the store back? (A harmless read, so nothing expires by accident.) */
  private async probe(): Promise<boolean> {
    try {
      await this.opts.store.epoch();
    } catch {
      return false;
    }
    this.storeBack();
    return true;
  }

  private storeDown(): void {
    if (this.storeWasDown) return;
    this.storeWasDown = true;
    this.log.warn("store unreachable; lease expiry suspended");
  }

  private storeBack(): void {
    if (!this.storeWasDown) return;
    this.storeWasDown = false;
    this.pausedUntilMs = this.opts.clock.now() + this.opts.pauseAfterOutageMs;
    this.log.warn(
      { pauseMs: this.opts.pauseAfterOutageMs },
      "store reachable again; lease expiry paused for one max lease TTL so instances can renew",
    );
  }
}
