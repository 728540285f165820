import type { Clock } from "../clock.js";

/** A failed call that reached no endpoint: evidence about the whole service. */
const NO_ENDPOINT = "*";

/**
 * Which endpoints recent failed calls went to. A service breaker asks it before opening: one
 * endpoint failing (a dead instance whose calls in flight all fail at once) is outlier
 * detection's business, and must not shut a service that has other healthy endpoints. The
 * service breaker opens only on failures from at least two endpoints (one when the service has
 * one), or from calls that reached none.
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

  /** True when failures in the last `windowMs` came from `needed` endpoints, or from no endpoint. */
  spreadEnough(windowMs: number, needed: number): boolean {
    const since = this.clock.now() - windowMs;
    let sources = 0;
    for (const [key, at] of this.lastFailureAt) {
      if (at < since) {
        this.lastFailureAt.delete(key);
        continue;
      }
      if (key === NO_ENDPOINT) return true;
      sources++;
    }
    return sources >= needed;
  }

  /** Forgets endpoints that left the service. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.lastFailureAt.keys())
      if (key !== NO_ENDPOINT && !keys.has(key)) this.lastFailureAt.delete(key);
  }
}
