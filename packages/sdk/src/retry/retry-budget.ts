import type { Clock, ResolvedRetryBudget } from "@switchboard/core";
import { RollingWindow } from "../stats/rolling-window.js";

/**
 * Token units per retry. Deposits are `ratio` of a retry; keeping the balance in whole units
 * (as Finagle does with its scale factor) keeps the windowed sums exact, with no float drift.
 */
const UNITS_PER_RETRY = 1_000_000;

/**
 * Finagle-style retry budget: every request deposits `ratio` of a retry, a retry withdraws one,
 * and both deposits and withdrawals leave the balance `windowMs` after they were made (at
 * bucket precision, see RollingWindow). On top of that, a reserve of
 * `minRetriesPerSecond x windowMs / 1000` retries is always there, so a quiet client can
 * still retry. Over any window the retries allowed are therefore about
 * `ratio x requests + minRetriesPerSecond x windowSeconds`: in an outage retries add at most
 * that share of load instead of multiplying it.
 */
export class RetryBudget {
  private window: RollingWindow;
  private deposit: number;
  private reserve: number;

  constructor(
    config: ResolvedRetryBudget,
    private readonly clock: Clock,
  ) {
    this.window = new RollingWindow(clock, config.windowMs);
    this.deposit = Math.round(config.ratio * UNITS_PER_RETRY);
    this.reserve = reserveUnits(config);
  }

  /** Records a request (a call's first attempt, not its retries). */
  recordRequest(): void {
    this.window.add(0, this.deposit);
  }

  /** Withdraws one retry; false (withdraw nothing) when the budget is spent. */
  tryRetry(): boolean {
    const now = this.clock.now();
    if (this.window.sum(0, now) + this.reserve < UNITS_PER_RETRY) return false;
    this.window.add(0, -UNITS_PER_RETRY, now);
    return true;
  }

  /** Whole retries that could be made now. */
  get available(): number {
    return Math.max(0, Math.floor((this.window.sum(0) + this.reserve) / UNITS_PER_RETRY));
  }

  /**
   * Applies a new budget. A new ratio applies to later requests; a new window length starts a
   * new window that carries the current balance over (so a live change neither grants nor
   * takes away retries at once).
   */
  updateConfig(config: ResolvedRetryBudget): void {
    this.deposit = Math.round(config.ratio * UNITS_PER_RETRY);
    this.reserve = reserveUnits(config);
    if (config.windowMs !== this.window.windowMs) {
      const balance = this.window.sum(0);
      this.window = new RollingWindow(this.clock, config.windowMs);
      this.window.add(0, balance);
    }
  }
}

function reserveUnits(config: ResolvedRetryBudget): number {
  return Math.round(((config.minRetriesPerSecond * config.windowMs) / 1000) * UNITS_PER_RETRY);
}
