import type { Clock, ResolvedOutlierDetection } from "@switchboard/core";
import { type BreakerPermit, type BreakerState, CircuitBreaker, CLOSED_PERMIT } from "./circuit-breaker.js";

/**
 * An endpoint left rotation (its breaker opened), came back (its breaker closed), or stays out
 * after a failed probe (its half-open breaker opened again: out for another open duration).
 */
export interface OutlierEvent {
  readonly key: string;
  readonly kind: "ejected" | "returned" | "reopened";
  /** Clock time, in ms. */
  readonly at: number;
}

type Listener = (event: OutlierEvent) => void;

/**
 * Outlier ejection: one circuit breaker per endpoint, keyed by the endpoint's key. An endpoint
 * is ejected while its breaker is open or half-open; half-open, it may still be picked for a
 * probe while it has a free probe slot (`canPick` / `tryAcquire`).
 *
 * The cap: at most floor(endpoints x maxEjectionPercent / 100) endpoints are ejected at once,
 * counting open and half-open ones. When an endpoint's breaker trips while that many are
 * already ejected, the endpoint stays in rotation with its breaker closed and its counts kept,
 * so its next counted failure trips it again and ejects it if a slot has come free by then.
 * With one endpoint and the default 50%, nothing is ever ejected: a lone endpoint is all there
 * is. Lowering the cap live does not return endpoints early; it only holds back new ejections.
 */
export class OutlierDetector {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly listeners: Listener[] = [];
  private ejected = 0;
  private readonly canOpen = () => this.ejected < this.maxEjections();

  constructor(
    private config: ResolvedOutlierDetection,
    private readonly clock: Clock,
  ) {}

  /**
   * Sets the current endpoint set: endpoints new to it start with a closed breaker, and the
   * state of those that left is dropped (an endpoint that comes back starts afresh).
   */
  setEndpoints(keys: Iterable<string>): void {
    const next = new Set(keys);
    for (const [key, breaker] of this.breakers) {
      if (next.has(key)) continue;
      if (isEjectedState(breaker.state)) this.ejected--;
      this.breakers.delete(key);
    }
    for (const key of next) if (!this.breakers.has(key)) this.breakers.set(key, this.newBreaker(key));
  }

  /** Records how a call to `key` ended. Unknown keys (an endpoint already gone) are ignored. */
  record(key: string, code: number, durationMs: number, permit?: BreakerPermit): void {
    this.breakers.get(key)?.recordOutcome(code, durationMs, permit);
  }

  /** True while `key` is out of rotation (breaker open or half-open). */
  isEjected(key: string): boolean {
    const breaker = this.breakers.get(key);
    return breaker !== undefined && isEjectedState(breaker.state);
  }

  /** True when a call may be sent to `key` now (not ejected, or half-open with a free probe slot). */
  canPick(key: string): boolean {
    return this.breakers.get(key)?.canAcquire() ?? true;
  }

  /**
   * Admits a call to `key`, taking a probe slot if it is half-open; false: pick another
   * endpoint. A call admitted here must end with `record` or `release`.
   */
  tryAcquire(key: string): boolean {
    return this.breakers.get(key)?.tryAcquire() ?? true;
  }

  /**
   * Admits a call to `key` and says how: as a probe (its end frees the probe slot) or not (also
   * when no probe slot was free and the call goes ahead anyway). Pass it to `record`.
   */
  admit(key: string): BreakerPermit {
    return this.breakers.get(key)?.admit() ?? CLOSED_PERMIT;
  }

  /** An admitted call ended with no outcome that counts; frees its probe slot. */
  release(key: string): void {
    this.breakers.get(key)?.release();
  }

  /** Endpoints ejected now. */
  get ejectedCount(): number {
    return this.ejected;
  }

  /** The keys ejected now. */
  ejectedKeys(): string[] {
    return [...this.breakers].filter(([, b]) => isEjectedState(b.state)).map(([key]) => key);
  }

  /** Retry-after of an ejected endpoint's breaker (0 when it is not open). */
  retryAfterMs(key: string): number {
    return this.breakers.get(key)?.retryAfterMs() ?? 0;
  }

  /** Applies a live config change to every endpoint's breaker, keeping their states. */
  updateConfig(config: ResolvedOutlierDetection): void {
    this.config = config;
    for (const breaker of this.breakers.values()) breaker.updateConfig(config.breaker);
  }

  /** Calls `listener` on every ejection and return; returns a function that unsubscribes it. */
  onEjection(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private maxEjections(): number {
    return Math.floor((this.breakers.size * this.config.maxEjectionPercent) / 100);
  }

  private newBreaker(key: string): CircuitBreaker {
    const breaker = new CircuitBreaker(this.config.breaker, this.clock, { canOpen: this.canOpen });
    breaker.onStateChange(({ from, to, at }) => {
      // open <-> half-open moves within ejection: neither an ejection nor a return, but a failed
      // probe starts another open duration, which whoever schedules the next probe must know.
      if (from === "closed") this.emit({ key, kind: "ejected", at }, 1);
      else if (to === "closed") this.emit({ key, kind: "returned", at }, -1);
      else if (to === "open") this.emit({ key, kind: "reopened", at }, 0);
    });
    return breaker;
  }

  private emit(event: OutlierEvent, delta: number): void {
    this.ejected += delta;
    for (const listener of this.listeners.slice()) listener(event);
  }
}

function isEjectedState(state: BreakerState): boolean {
  return state !== "closed";
}
