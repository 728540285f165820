/** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export interface BackoffOptions {
  /** First delay cap, ms. */
  readonly initialMs: number;
  /** Largest delay, ms. */
  readonly maxMs: number;
  readonly multiplier: number;
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt: uniform in [0, min(max, initial x multiplier^n)]. */
  next(): number {
    const cap = Math.min(
      this.options.maxMs,
      this.options.initialMs * this.options.multiplier ** this.attempt,
    );
    this.attempt = Math.min(this.attempt + 1, 64);
    return Math.round(this.random() * cap);
  }

  reset(): void {
    this.attempt = 0;
  }
}
