import type { Clock, ResolvedRateLimit } from "@switchboard/core";

/**
 * Client-side token bucket: holds up to `burst` tokens, refilled continuously at
 * `requestsPerSecond`; each call takes one, and a call that finds none is refused at once
 * (the caller fails it with RESOURCE_EXHAUSTED rather than queueing it). Refill is computed
 * lazily from the clock on each call, so the bucket needs no timer. It starts full.
 */
export class TokenBucket {
  private ratePerMs: number;
  private capacity: number;
  private tokens: number;
  private refilledAt: number;

  constructor(
    config: ResolvedRateLimit,
    private readonly clock: Clock,
  ) {
    this.ratePerMs = config.requestsPerSecond / 1000;
    this.capacity = config.burst;
    this.tokens = config.burst;
    this.refilledAt = clock.now();
  }

  /** Takes one token; false (take nothing) when the bucket is empty. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole tokens available now. */
  get available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  /** How long until a token is available, in ms (0 if one is now); rounded up. */
  retryAfterMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil((1 - this.tokens) / this.ratePerMs);
  }

  /**
   * Applies a new rate and burst. Tokens earned so far are credited at the old rate first; the
   * balance is kept (a live policy change neither refills nor drains the bucket), clamped to
   * the new burst.
   */
  updateConfig(config: ResolvedRateLimit): void {
    this.refill();
    this.ratePerMs = config.requestsPerSecond / 1000;
    this.capacity = config.burst;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.refilledAt;
    // A clock stepping back credits nothing and moves the reference point back with it.
    if (elapsed > 0) this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerMs);
    this.refilledAt = now;
  }
}
