import type { ResolvedBreakerConfig } from "@switchboard/core";
/**
 * Decides when a closed breaker opens, apart from the breaker's state (as cockatiel separates
 * its breaker policies from the breaker). The breaker feeds it the outcomes of calls that end
 * while it is closed.
 */
export interface TripStrategy {
  /** Counts a call that ended while closed; true when the breaker should open now. */
  record(failed: boolean, slow: boolean): boolean;
  /** Forgets every count (on closing, so that old failures do not reopen the breaker). */
  reset(): void;
  /** Applies a live config change, keeping counts where they still mean the same. */
  updateConfig(config: ResolvedBreakerConfig): void;
  /** Current counts, for snapshots. */
  toJSON(): Record<string, number>;
}
