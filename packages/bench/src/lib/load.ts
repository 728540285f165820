/** Load loops run inside client processes: closed-loop (fixed concurrency) and open-loop (fixed rate). */
import { performance } from "node:perf_hooks";
import { cpuMicros, sleep } from "./clock.js";
import type { EchoCall } from "./echo.js";
import { Histogram, type HistogramData, type LatencySummary, summarize } from "./histogram.js";

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface ClosedResult {
  readonly calls: number;
  readonly errors: number;
  readonly elapsedMs: number;
  /** CPU (user + system) of this process over the window, µs. */
  readonly cpuUs: number;
}

/** Keeps `concurrency` calls in flight for `durationMs`; counts the calls that end inside the window. */
export async function closedLoop(
  call: EchoCall,
  concurrency: number,
  durationMs: number,
): Promise<ClosedResult> {
  let open = true;
  let calls = 0;
  let errors = 0;
  const worker = async () => {
    while (open) {
      try {
        await call();
        if (open) calls++;
      } catch {
        if (open) errors++;
        // A call refused locally (open breaker) fails within the microtask queue; yield, or
        // this loop would starve timers and I/O, the breaker's own probe included.
        await yieldToEventLoop();
      }
    }
  };
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  const workers = Array.from({ length: concurrency }, worker);
  await sleep(durationMs);
  open = false;
  const elapsedMs = performance.now() - t0;
  const cpuUs = cpuMicros() - cpu0;
  await Promise.all(workers);
  return { calls, errors, elapsedMs, cpuUs };
}

export interface OpenResult {
  readonly calls: number;
  readonly errors: number;
  readonly cpuUs: number;
  /** Latency in µs, measured from each call's intended start (coordinated-omission aware). */
  readonly latencyUs: LatencySummary;
  readonly histogram: HistogramData;
  /** Successful calls per answering instance. */
  readonly servedBy: Readonly<Record<string, number>>;
}

/**
 * Starts calls at `rate` per second on a fixed schedule, whatever the answers do, and measures
 * each call from the moment the schedule said it should start: a stall delays the calls behind
 * it and they are charged for it (no coordinated omission).
 */
export function openLoop(call: EchoCall, rate: number, durationMs: number): Promise<OpenResult> {
  const histogram = new Histogram();
  const servedBy: Record<string, number> = {};
  const total = Math.max(1, Math.floor((rate * durationMs) / 1000));
  const intervalMs = 1000 / rate;
  let sent = 0;
  let outstanding = 0;
  let errors = 0;
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  return new Promise((resolve) => {
    const finish = () =>
      resolve({
        calls: histogram.count,
        errors,
        cpuUs: cpuMicros() - cpu0,
        latencyUs: summarize(histogram),
        histogram: histogram.toData(),
        servedBy,
      });
    const start = (intended: number) => {
      outstanding++;
      call()
        .then(
          (r) => {
            histogram.record((performance.now() - intended) * 1000);
            servedBy[r.servedBy] = (servedBy[r.servedBy] ?? 0) + 1;
          },
          () => {
            errors++;
          },
        )
        .finally(() => {
          outstanding--;
          if (sent === total && outstanding === 0) finish();
        });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) start(t0 + sent++ * intervalMs);
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
    };
    tick();
  });
}
