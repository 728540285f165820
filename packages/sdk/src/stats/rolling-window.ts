import type { Clock } from "@switchboard/core";

/**
 * Sums over a sliding time window, kept in a ring of fixed-width buckets (the breaker's call
 * counts, the retry budget's tokens). Adding and reading are O(1) amortised and allocate
 * nothing: each series keeps a running total, and buckets that slide out of the window are
 * subtracted from it as time moves on.
 *
 * Precision: the window covers the current (partial) bucket and the `bucketCount - 1` before
 * it, so a value leaves the window between `windowMs - windowMs / bucketCount` and `windowMs`
 * after it was added. With the default of 10 buckets that is within 10% of the window length.
 */
export class RollingWindow {
  readonly windowMs: number;
  readonly bucketCount: number;
  private readonly bucketMs: number;
  private readonly series: number;
  /** bucketCount x series values, bucket-major. */
  private readonly values: Float64Array;
  private readonly totals: Float64Array;
  /** Absolute index (time / bucketMs) of the newest bucket. */
  private head: number;

  constructor(
    private readonly clock: Clock,
    windowMs: number,
    options: { series?: number; bucketCount?: number } = {},
  ) {
    if (!(windowMs > 0)) throw new RangeError(`RollingWindow: windowMs must be > 0 (got ${windowMs})`);
    this.windowMs = windowMs;
    this.bucketCount = options.bucketCount ?? 10;
    this.series = options.series ?? 1;
    this.bucketMs = windowMs / this.bucketCount;
    this.values = new Float64Array(this.bucketCount * this.series);
    this.totals = new Float64Array(this.series);
    this.head = Math.floor(clock.now() / this.bucketMs);
  }

  /**
   * Adds `amount` (may be negative) to series `series` at time `now`. Callers doing several
   * operations at once read the clock once and pass it (a clock read costs more than the rest).
   */
  add(series: number, amount: number, now = this.clock.now()): void {
    this.advance(now);
    const slot = (this.head % this.bucketCount) * this.series + series;
    this.values[slot] = (this.values[slot] ?? 0) + amount;
    this.totals[series] = (this.totals[series] ?? 0) + amount;
  }

  /** The sum of series `series` over the window ending at `now`. */
  sum(series = 0, now = this.clock.now()): number {
    this.advance(now);
    return this.totals[series] ?? 0;
  }

  /** Forgets everything. */
  clear(): void {
    this.values.fill(0);
    this.totals.fill(0);
    this.head = Math.floor(this.clock.now() / this.bucketMs);
  }

  /** Drops the buckets that slid out of the window since the last call. */
  private advance(now: number): void {
    const index = Math.floor(now / this.bucketMs);
    // A clock that steps back (NTP, a test) keeps writing into the newest bucket.
    if (index <= this.head) return;
    const stale = Math.min(index - this.head, this.bucketCount);
    for (let i = 1; i <= stale; i++) this.clearBucket((this.head + i) % this.bucketCount);
    this.head = index;
  }

  private clearBucket(bucket: number): void {
    const base = bucket * this.series;
    for (let s = 0; s < this.series; s++) {
      const value = this.values[base + s] ?? 0;
      if (value !== 0) {
        this.totals[s] = (this.totals[s] ?? 0) - value;
        this.values[base + s] = 0;
      }
    }
  }
}
