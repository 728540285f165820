import type { Clock, ResolvedBreakerConfig } from "@switchboard/core";
import { ConsecutiveFailures } from "./consecutive-failures.js";
import type { TripStrategy } from "./trip-strategy.js";
import { WindowedRates } from "./windowed-rates.js";

/** Opens when any of the strategies says so; each one sees every outcome. */
export class AnyOf implements TripStrategy {
  constructor(private readonly strategies: readonly TripStrategy[]) {}

  record(failed: boolean, slow: boolean): boolean {
    let trip = false;
    // Every strategy counts the outcome, even after one has decided to trip.
    for (const s of this.strategies) trip = s.record(failed, slow) || trip;
    return trip;
  }

  reset(): void {
    for (const s of this.strategies) s.reset();
  }

  updateConfig(config: ResolvedBreakerConfig): void {
    for (const s of this.strategies) s.updateConfig(config);
  }

  toJSON(): Record<string, number> {
    return Object.assign({}, ...this.strategies.map((s) => s.toJSON()));
  }
}

/**
 * The breaker's triggers from its config: consecutive failures, and failure rate and slow-call
 * rate over one sliding window. A trigger switched off in the config never trips; its counts
 * are kept anyway, so switching it on live judges recent traffic.
 */
export function createTripStrategy(config: ResolvedBreakerConfig, clock: Clock): TripStrategy {
  return new AnyOf([new ConsecutiveFailures(config), new WindowedRates(config, clock)]);
}
