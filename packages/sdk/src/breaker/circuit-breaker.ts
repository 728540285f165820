import type { Clock, ResolvedBreakerConfig } from "@switchboard/core";
import { createTripStrategy } from "./any-of.js";
import { classifyOutcome, isSlowCall } from "./outcome.js";
import type { TripStrategy } from "./trip-strategy.js";

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerStateChange {
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** Clock time of the change, in ms. */
  readonly at: number;
}

/** A breaker's state as plain data (JSON-ready); `restore` takes it back. */
export interface BreakerSnapshot {
  readonly state: BreakerState;
  /** When the breaker last opened (clock ms); null while closed. */
  readonly openedAt: number | null;
  /** Time left before probes are let through; 0 unless open. */
  readonly retryAfterMs: number;
  /** Probes in flight and probe successes so far; 0 unless half-open. */
  readonly halfOpenInFlight: number;
  readonly halfOpenSuccesses: number;
  /** The trip strategy's counts (consecutiveFailures, windowCalls, windowFailures, ...). */
  readonly counts: Readonly<Record<string, number>>;
}

export interface CircuitBreakerOptions {
  /**
   * Asked before a closed breaker opens; false keeps it closed, with its counts kept so the
   * next counted outcome asks again. Outlier ejection caps the ejected share with it.
   */
  readonly canOpen?: () => boolean;
  /** Resumes from a snapshot: an open or half-open state is restored as open since `openedAt`. */
  readonly restore?: Pick<BreakerSnapshot, "state" | "openedAt">;
}

type Listener = (change: BreakerStateChange) => void;

/**
 * How a call got through (`admit`): as an ordinary call of a closed breaker, or as a probe of
 * one half-open period. Only a probe frees a probe slot when it ends, and only in the half-open
 * period that admitted it.
 */
export interface BreakerPermit {
  /** 0 for a call admitted while closed; else the half-open period that admitted the probe. */
  readonly probePeriod: number;
}

/**
 * The permit of every call admitted while closed (shared: the hot path allocates nothing); also
 * what a caller holds for a call that went ahead without a probe slot.
 */
export const CLOSED_PERMIT: BreakerPermit = { probePeriod: 0 };

/**
 * A three-state circuit breaker. Closed, it lets every call through and feeds outcomes to its
 * trip strategy; once that trips it opens and rejects calls for `openDurationMs`; then it is
 * half-open and lets at most `halfOpenMaxRequests` probes through at once: `successThreshold`
 * probe successes close it, one probe failure opens it again.
 *
 * There are no timers: the open -> half-open change happens when the breaker is next used
 * after the open duration, computed from the injected clock.
 *
 * Outcomes are not tied to the state a call was admitted in: a call admitted while closed
 * that ends during half-open counts as a probe outcome (it is fresh evidence either way), and
 * outcomes that arrive while open are dropped. Probe slots are: only a call admitted as a probe
 * of the current half-open period (its permit from `admit` says so) frees one when it ends.
 * A probe that has not ended within the open duration is presumed lost (a pick grpc-js threw
 * away, a call that never started) and its slot is given back, so a breaker can never stay
 * half-open with every slot held by probes that will not end.
 */
export class CircuitBreaker {
  private current: BreakerState = "closed";
  private openedAt = 0;
  private probesInFlight = 0;
  /** When the latest probe was admitted (clock ms). */
  private lastProbeAt = 0;
  private probeSuccesses = 0;
  /** Counts the half-open periods, so a probe's permit names the one that admitted it. */
  private halfOpenPeriod = 0;
  private readonly strategy: TripStrategy;
  private readonly listeners: Listener[] = [];
  private readonly canOpen: () => boolean;

  constructor(
    private config: ResolvedBreakerConfig,
    private readonly clock: Clock,
    options: CircuitBreakerOptions = {},
  ) {
    this.strategy = createTripStrategy(config, clock);
    this.canOpen = options.canOpen ?? (() => true);
    const restore = options.restore;
    if (restore && restore.state !== "closed" && restore.openedAt !== null) {
      this.current = "open";
      this.openedAt = restore.openedAt;
    }
  }

  /** The current state (an open breaker whose open duration has passed reads as half-open). */
  get state(): BreakerState {
    this.refresh();
    return this.current;
  }

  /**
   * Asks to start a call: true lets it through (closed, or half-open with a free probe slot,
   * which it then takes); false means reject it at once. Every admitted call must end with
   * exactly one of onSuccess, onFailure, release or recordOutcome.
   */
  tryAcquire(): boolean {
    return this.admit() !== undefined;
  }

  /**
   * Like tryAcquire, with the permit the call's end passes back (onSuccess, onFailure, release,
   * recordOutcome), so that only calls admitted as probes free probe slots; undefined: rejected.
   */
  admit(): BreakerPermit | undefined {
    this.refresh();
    if (this.current === "closed") return CLOSED_PERMIT;
    if (this.current === "open" || this.probesInFlight >= this.config.halfOpenMaxRequests) return undefined;
    this.probesInFlight++;
    this.lastProbeAt = this.clock.now();
    return { probePeriod: this.halfOpenPeriod };
  }

  /** True when tryAcquire would let a call through now; takes nothing. */
  canAcquire(): boolean {
    this.refresh();
    if (this.current === "closed") return true;
    return this.current === "half_open" && this.probesInFlight < this.config.halfOpenMaxRequests;
  }

  /**
   * An admitted call succeeded (it may still count as slow). `permit` is the one `admit` gave;
   * without it (a call let through by tryAcquire) a call ending while half-open counts as a probe.
   */
  onSuccess(durationMs: number, permit?: BreakerPermit): void {
    this.onOutcome(false, durationMs, permit);
  }

  /** An admitted call failed. */
  onFailure(durationMs: number, permit?: BreakerPermit): void {
    this.onOutcome(true, durationMs, permit);
  }

  /** An admitted call ended without an outcome that counts (e.g. CANCELLED by the caller). */
  release(permit?: BreakerPermit): void {
    this.refresh();
    this.freeProbeSlot(permit);
  }

  /** Ends an admitted call by its gRPC status code, classified by `classifyOutcome`. */
  recordOutcome(code: number, durationMs: number, permit?: BreakerPermit): void {
    const outcome = classifyOutcome(code, this.config);
    if (outcome === "ignore") this.release(permit);
    else this.onOutcome(outcome === "failure", durationMs, permit);
  }

  /** True when a call ending with `code` counts as a failure for this breaker. */
  isFailure(code: number): boolean {
    return classifyOutcome(code, this.config) === "failure";
  }

  /** Time until an open breaker lets probes through, in ms; 0 unless open. */
  retryAfterMs(): number {
    this.refresh();
    if (this.current !== "open") return 0;
    return Math.max(0, this.openedAt + this.config.openDurationMs - this.clock.now());
  }

  /**
   * Applies a live config change without resetting the state: an open breaker keeps its open
   * time (measured against the new open duration), half-open probes in flight stay counted, the
   * run of consecutive failures is kept, and the window's counts are kept unless its length
   * changed.
   */
  updateConfig(config: ResolvedBreakerConfig): void {
    this.config = config;
    this.strategy.updateConfig(config);
    if (this.current === "half_open" && this.probeSuccesses >= config.successThreshold) {
      this.transition("closed");
    }
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes it. */
  onStateChange(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  toJSON(): BreakerSnapshot {
    const state = this.state;
    return {
      state,
      openedAt: state === "closed" ? null : this.openedAt,
      retryAfterMs: this.retryAfterMs(),
      halfOpenInFlight: state === "half_open" ? this.probesInFlight : 0,
      halfOpenSuccesses: state === "half_open" ? this.probeSuccesses : 0,
      counts: this.strategy.toJSON(),
    };
  }

  private onOutcome(failed: boolean, durationMs: number, permit: BreakerPermit | undefined): void {
    this.refresh();
    const slow = isSlowCall(durationMs, this.config);
    if (this.current === "closed") {
      if (this.strategy.record(failed, slow) && this.canOpen()) this.transition("open");
    } else if (this.current === "half_open") {
      this.freeProbeSlot(permit);
      // A slow probe says the endpoint is still in trouble, as a failed one does.
      if (failed || slow) this.transition("open");
      else if (++this.probeSuccesses >= this.config.successThreshold) this.transition("closed");
    }
  }

  /** A probe of this half-open period ended (any call, for callers without permits). */
  private freeProbeSlot(permit: BreakerPermit | undefined): void {
    if (this.current !== "half_open" || this.probesInFlight === 0) return;
    if (permit === undefined || permit.probePeriod === this.halfOpenPeriod) this.probesInFlight--;
  }

  /** The lazy open -> half-open change, and the return of probe slots held by lost probes. */
  private refresh(): void {
    const now = this.clock.now();
    if (this.current === "open" && now - this.openedAt >= this.config.openDurationMs) {
      this.transition("half_open");
    } else if (
      this.current === "half_open" &&
      this.probesInFlight >= this.config.halfOpenMaxRequests &&
      now - this.lastProbeAt >= this.config.openDurationMs
    ) {
      // A new period: the lost probes' permits no longer free slots of this one.
      this.halfOpenPeriod++;
      this.probesInFlight = 0;
    }
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    const at = this.clock.now();
    this.current = to;
    if (to === "open") this.openedAt = at;
    if (to === "half_open") this.halfOpenPeriod++;
    this.probesInFlight = 0;
    this.probeSuccesses = 0;
    if (to === "closed") this.strategy.reset();
    // A copy, so a listener may unsubscribe itself while being called.
    for (const listener of this.listeners.slice()) listener({ from, to, at });
  }
}
