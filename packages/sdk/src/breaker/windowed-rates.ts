import type { Clock, ResolvedBreakerConfig } from "@switchboard/core";
import { RollingWindow } from "../stats/rolling-window.js";
import type { TripStrategy } from "./trip-strategy.js";

const CALLS = 0;
const FAILURES = 1;
const SLOW = 2;

type RateConfig = Pick<
  ResolvedBreakerConfig,
  "failureRatePercent" | "windowMs" | "minimumCalls" | "slowCallMs" | "slowCallRatePercent"
>;

/**
 * Trips on the failure rate or the slow-call rate over a sliding window of `windowMs`
 * (10 buckets, see RollingWindow), judged only once the window holds `minimumCalls` calls, so
 * that two failures out of three calls do not open a breaker. A slow call counts as slow
 * whether it failed or not.
 */
export class WindowedRates implements TripStrategy {
  private window: RollingWindow;

  constructor(
    private config: RateConfig,
    private readonly clock: Clock,
  ) {
    this.window = new RollingWindow(clock, config.windowMs, { series: 3 });
  }

  record(failed: boolean, slow: boolean): boolean {
    const w = this.window;
    const now = this.clock.now();
    w.add(CALLS, 1, now);
    if (failed) w.add(FAILURES, 1, now);
    if (slow) w.add(SLOW, 1, now);
    const calls = w.sum(CALLS, now);
    const c = this.config;
    if (calls < c.minimumCalls) return false;
    if (c.failureRatePercent > 0 && w.sum(FAILURES, now) * 100 >= c.failureRatePercent * calls) return true;
    return c.slowCallMs > 0 && w.sum(SLOW, now) * 100 >= c.slowCallRatePercent * calls;
  }

  reset(): void {
    this.window.clear();
  }

  /** A new window length starts an empty window: old buckets do not fit the new one. */
  updateConfig(config: ResolvedBreakerConfig): void {
    if (config.windowMs !== this.config.windowMs) {
      this.window = new RollingWindow(this.clock, config.windowMs, { series: 3 });
    }
    this.config = config;
  }

  toJSON(): Record<string, number> {
    return {
      windowCalls: this.window.sum(CALLS),
      windowFailures: this.window.sum(FAILURES),
      windowSlowCalls: this.window.sum(SLOW),
    };
  }
}
