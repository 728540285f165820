import type { Clock } from "@switchboard/core";

/** A failed call that reached no endpoint: evidence about the whole service. */
const NO_ENDPOINT = "*";

/**
 * Which endpoints recent failed calls went to. A service breaker asks it before opening: one
 * endpoint failing (a dead instance whose calls in flight all fail at once) is outlier
 * detection's business, and must not shut a service that has other healthy endpoints. Only
 * failures from endpoints that can still take calls count (a dead or ejected instance's do
 * not), and the breaker opens on failures from two of them, or from the only one left; calls
 * that reached no endpoint always count.
 */
export class FailureSources {
  private readonly lastFailureAt = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** A call failed after its attempts went to `endpoints` (empty: it reached no endpoint). */
  note(endpoints: Iterable<string>): void {
    const now = this.clock.now();
    let any = false;
    for (const key of endpoints) {
      this.lastFailureAt.set(key, now);
      any = true;
    }
    if (!any) this.lastFailureAt.set(NO_ENDPOINT, now);
  }

  /**
   * True when failures in the last `windowMs` came from no endpoint, or from at least two of the
   * `available` endpoints (all of them when fewer are available).
   */
  spreadEnough(windowMs: number, available: ReadonlySet<string>): boolean {
    const since = this.clock.now() - windowMs;
    const needed = Math.min(2, available.size);
    let sources = 0;
    for (const [key, at] of this.lastFailureAt) {
      if (at < since) {
        this.lastFailureAt.delete(key);
        continue;
      }
      if (key === NO_ENDPOINT) return true;
      if (available.has(key)) sources++;
    }
    return sources >= needed;
  }

  /** Forgets endpoints that left the service. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.lastFailureAt.keys())
      if (key !== NO_ENDPOINT && !keys.has(key)) this.lastFailureAt.delete(key);
  }
}
