/** Time source. State machines take one so tests can drive them with a fake clock. */
export interface Clock {
  /** Milliseconds since the epoch (may be fractional with a high-resolution clock). */
  now(): number;
}

/** Wall clock, `Date.now()`. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Monotonic high-resolution clock (`performance.now()`, fractional ms since process start).
 * For durations only: latency, breaker windows, buckets, backoff. Never compare it with wall time.
 */
export const monotonicClock: Clock = { now: () => performance.now() };

/** A clock that moves only when told to. For tests. */
export class FakeClock implements Clock {
  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`FakeClock.advance: ms must be >= 0 (got ${ms})`);
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
