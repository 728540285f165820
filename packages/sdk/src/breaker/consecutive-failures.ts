import type { ResolvedBreakerConfig } from "@switchboard/core";
import type { TripStrategy } from "./trip-strategy.js";

/** Trips after `consecutiveFailures` failures in a row (0: never). A success resets the run. */
export class ConsecutiveFailures implements TripStrategy {
  private run = 0;

  constructor(private config: Pick<ResolvedBreakerConfig, "consecutiveFailures">) {}

  record(failed: boolean): boolean {
    this.run = failed ? this.run + 1 : 0;
    const threshold = this.config.consecutiveFailures;
    return threshold > 0 && this.run >= threshold;
  }

  reset(): void {
    this.run = 0;
  }

  updateConfig(config: ResolvedBreakerConfig): void {
    this.config = config;
  }

  toJSON(): Record<string, number> {
    return { consecutiveFailures: this.run };
  }
}
