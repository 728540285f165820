/**
 * The one reader behind every AwaitPropagation call of a replica: however many callers wait,
 * the subscriber tables are read at most once per poll interval, and less often (backing off up
 * to eight intervals) while no read completes a wait. Callers past a limit are refused.
 */
import { status } from "@grpc/grpc-js";
import type { AwaitPropagationResponse } from "@switchboard/core/gen/switchboard/v1/registration.js";
import { ControlPlaneError } from "../errors.js";
import type { Store, SubscriberInfo } from "../store/types.js";
import { allSubscribers, type PropagationSource } from "./await-propagation.js";

export interface PropagationWatchOptions {
  readonly store: Store;
  readonly replicaId: string;
  /** The current store epoch as this replica's hub knows it. */
  epoch(): string;
  /** This replica's subscribers, live. */
  localSubscribers(): readonly SubscriberInfo[];
  /** Shortest time between two reads of the subscriber tables, in ms. */
  readonly pollIntervalMs: number;
  /** Calls waiting at once; past it, RESOURCE_EXHAUSTED. */
  readonly maxWaits: number;
}

/** How far `version` of `service` got among `subscribers`. */
export function progressOf(
  subscribers: readonly SubscriberInfo[],
  epoch: string,
  service: string,
  version: number,
): AwaitPropagationResponse {
  let total = 0;
  let acknowledged = 0;
  for (const s of subscribers) {
    for (const sub of s.subscriptions) {
      if (sub.service !== service) continue;
      total += 1;
      const seen = Math.max(sub.ackedVersion, sub.lastNackVersion);
      if (s.epoch === epoch && seen >= version) acknowledged += 1;
    }
  }
  return { complete: acknowledged === total, subscribers: total, acknowledged };
}

interface Waiter {
  readonly service: string;
  readonly version: number;
  /** The state of the last read. */
  last: AwaitPropagationResponse;
  /** Past its deadline: answered with the state of the next read (one at most an interval away). */
  expired: boolean;
  readonly settle: (error?: unknown) => void;
}

const MAX_BACKOFF = 8;

export class PropagationWatch implements PropagationSource {
  readonly store: Store;
  readonly replicaId: string;
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private reading = false;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private intervalMs: number;
  private readCount = 0;

  constructor(private readonly opts: PropagationWatchOptions) {
    this.store = opts.store;
    this.replicaId = opts.replicaId;
    this.intervalMs = opts.pollIntervalMs;
  }

  epoch(): string {
    return this.opts.epoch();
  }

  localSubscribers(): readonly SubscriberInfo[] {
    return this.opts.localSubscribers();
  }

  /** Reads of the subscriber tables so far (for tests). */
  get reads(): number {
    return this.readCount;
  }

  waitFor(
    service: string,
    version: number,
    deadlineMs: number,
    signal: AbortSignal,
  ): Promise<AwaitPropagationResponse> {
    if (this.waiters.size >= this.opts.maxWaits) {
      const message = `this replica is serving its limit of ${this.opts.maxWaits} AwaitPropagation calls (--max-propagation-waits); retry with backoff`;
      throw new ControlPlaneError(status.RESOURCE_EXHAUSTED, message);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        service,
        version,
        last: { complete: false, subscribers: 0, acknowledged: 0 },
        expired: false,
        settle: (error?: unknown) => {
          if (!this.waiters.delete(waiter)) return;
          clearTimeout(deadline);
          signal.removeEventListener("abort", onAbort);
          if (error === undefined) resolve(waiter.last);
          else reject(error);
        },
      };
      const onAbort = (): void => waiter.settle();
      const deadline = setTimeout(
        () => {
          waiter.expired = true;
          this.scheduleRead(this.lastReadAt + this.opts.pollIntervalMs);
        },
        Math.max(0, deadlineMs - Date.now()),
      );
      deadline.unref();
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
      if (signal.aborted) return waiter.settle();
      // A new caller reads as soon as the interval since the last read allows.
      this.intervalMs = this.opts.pollIntervalMs;
      this.scheduleRead(this.lastReadAt + this.opts.pollIntervalMs);
    });
  }

  private scheduleRead(at: number): void {
    if (this.reading || this.waiters.size === 0 || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.read(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private async read(): Promise<void> {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.reading = true;
    this.lastReadAt = Date.now();
    this.readCount += 1;
    let completed = 0;
    try {
      const all = await allSubscribers(this);
      const epoch = this.opts.epoch();
      for (const w of [...this.waiters]) {
        w.last = progressOf(all, epoch, w.service, w.version);
        if (w.last.complete) completed += 1;
        if (w.last.complete || w.expired) w.settle();
      }
    } catch (error) {
      for (const w of [...this.waiters]) w.settle(error);
    } finally {
      this.reading = false;
    }
    const max = this.opts.pollIntervalMs * MAX_BACKOFF;
    this.intervalMs = completed > 0 ? this.opts.pollIntervalMs : Math.min(this.intervalMs * 2, max);
    this.scheduleRead(this.lastReadAt + this.intervalMs);
  }
}
