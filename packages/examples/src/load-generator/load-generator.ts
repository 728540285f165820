import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { Pacer } from "./pacer.js";

/** How one call ended: its gRPC status, and the instance that answered (when it succeeded). */
export interface CallOutcome {
  readonly code: number;
  readonly details: string;
  readonly servedBy: string;
  /** The call carried the canary header (`x-canary: 1`). */
  readonly canary?: boolean;
}

export interface CallResult extends CallOutcome {
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number;
  readonly latencyMs: number;
}

/** Makes one call with the given absolute deadline (ms since the epoch); never rejects. */
export type CallTarget = (deadline: number) => Promise<CallOutcome>;

export interface LoadGeneratorOptions {
  readonly target: CallTarget;
  /** Workers, each with at most one call in flight. */
  readonly concurrency: number;
  /** Calls started per second across all workers; 0: closed loop (each worker calls again at once). */
  readonly ratePerSecond: number;
  /** Deadline of each call, ms. */
  readonly deadlineMs: number;
  readonly onResult: (result: CallResult) => void;
}

/** N workers calling `target`, paced to a rate (open loop) or back to back (closed loop). */
export class LoadGenerator {
  private readonly pacer: Pacer;
  private readonly stopping = new AbortController();
  private workers: Promise<void>[] = [];
  /** Per worker: when its call in flight started, or undefined while it has none. */
  private readonly callStartedAt: (number | undefined)[] = [];
  private settleWaiters: { before: number; resolve: () => void }[] = [];

  constructor(private readonly o: LoadGeneratorOptions) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) {
      throw new RangeError(`LoadGenerator: concurrency must be a whole number >= 1 (got ${o.concurrency})`);
    }
    if (!(o.deadlineMs > 0))
      throw new RangeError(`LoadGenerator: deadlineMs must be > 0 (got ${o.deadlineMs})`);
    this.pacer = new Pacer(o.ratePerSecond);
    // Every waiting worker listens for the stop.
    setMaxListeners(o.concurrency + 10, this.stopping.signal);
  }

  start(): void {
    if (this.workers.length > 0) throw new Error("LoadGenerator: already started");
    for (let i = 0; i < this.o.concurrency; i++) this.workers.push(this.work(i));
  }

  /** Resolves once no call that started before `before` (ms since the epoch) is still in flight. */
  settled(before: number): Promise<void> {
    if (!this.hasCallStartedBefore(before)) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push({ before, resolve }));
  }

  /** Starts no new call, and resolves once the calls in flight have ended. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.workers);
  }

  private async work(worker: number): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const wait = this.pacer.reserve();
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      const startedAt = Date.now();
      const t0 = performance.now();
      this.callStartedAt[worker] = startedAt;
      const outcome = await this.o.target(startedAt + this.o.deadlineMs);
      this.callStartedAt[worker] = undefined;
      this.o.onResult({ ...outcome, startedAt, latencyMs: performance.now() - t0 });
      this.wakeSettled();
    }
  }

  private hasCallStartedBefore(before: number): boolean {
    return this.callStartedAt.some((startedAt) => startedAt !== undefined && startedAt < before);
  }

  private wakeSettled(): void {
    if (this.settleWaiters.length === 0) return;
    const waiting = this.settleWaiters;
    this.settleWaiters = waiting.filter((w) => this.hasCallStartedBefore(w.before));
    for (const w of waiting) if (!this.settleWaiters.includes(w)) w.resolve();
  }
}
