/**
 * Arrival bookkeeping shared by the subscriber load processes (Discovery Watch and ADS): each
 * stream has a version that only grows; told to expect the next one, the process reports when
 * its first, median and last stream had it.
 */
import { wallMs } from "../lib/clock.js";
import { median } from "../lib/stats.js";

export interface ArrivalReport {
  readonly streams: number;
  /** Wall ms when the first / the last / the median stream had the version. */
  readonly firstAtMs: number;
  readonly lastAtMs: number;
  readonly medianAtMs: number;
}

export class Arrivals {
  readonly versions: Float64Array;
  readonly arrivals: Float64Array;
  target = Number.POSITIVE_INFINITY;
  reached = 0;
  errors = 0;
  firstError: Error | undefined;
  private waiter: (() => void) | undefined;
  private pending: Promise<void> | undefined;

  constructor(readonly size: number) {
    this.versions = new Float64Array(size);
    this.arrivals = new Float64Array(size);
  }

  /** Stream `i` has `version` (now). */
  received(i: number, version: number): void {
    const before = this.versions[i] ?? 0;
    if (version <= before) return;
    this.versions[i] = version;
    if (before < this.target && version >= this.target) {
      this.arrivals[i] = wallMs();
      this.reached++;
      if (this.reached === this.size) this.waiter?.();
    }
  }

  failed(e: Error): void {
    this.errors++;
    this.firstError ??= e;
  }

  /** From now on, waits for every stream to hold one version more than the newest one seen. */
  expectNext(): number {
    const version = this.maxVersion() + 1;
    this.target = version;
    this.reached = 0;
    for (let i = 0; i < this.size; i++) if ((this.versions[i] ?? 0) >= version) this.reached++;
    this.pending = new Promise((resolve) => {
      if (this.reached === this.size) resolve();
      else this.waiter = resolve;
    });
    return version;
  }

  /** Resolves once every stream has the expected version, with when they had it. */
  async arrived(timeoutMs: number): Promise<ArrivalReport> {
    if (!this.pending) throw new Error("arrived before expect");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`only ${this.reached} of ${this.size} streams had the change after ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    await Promise.race([this.pending, timeout]).finally(() => clearTimeout(timer));
    return {
      streams: this.size,
      firstAtMs: this.arrivals.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY),
      lastAtMs: this.arrivals.reduce((a, b) => Math.max(a, b), 0),
      medianAtMs: median([...this.arrivals]),
    };
  }

  minVersion(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const v of this.versions) if (v < min) min = v;
    return min;
  }

  maxVersion(): number {
    let max = 0;
    for (const v of this.versions) if (v > max) max = v;
    return max;
  }

  /** Resolves once every stream has a first version; fails with the first stream error. */
  async untilAllStarted(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.firstError) throw new Error(`a stream failed: ${this.firstError.message}`);
      if (this.minVersion() > 0) return;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms: ${this.size} streams without a first response`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The commands every subscriber load process answers. */
  commands(): Record<string, (args: unknown) => Promise<unknown>> {
    return {
      expect: async () => ({ version: this.expectNext() }),
      arrived: (a) => this.arrived((a as { timeoutMs: number }).timeoutMs),
      errors: async () => ({ errors: this.errors }),
    };
  }
}
