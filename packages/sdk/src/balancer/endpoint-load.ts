import type { Clock } from "@switchboard/core";

/**
 * Cost of an endpoint that has calls in flight but no latency sample yet, plus its in-flight
 * count. Far above any real cost (latency in ms x calls in flight), so an unmeasured endpoint
 * gets one probe at a time and is not flooded before its first answer says how fast it is.
 */
export const DEFAULT_UNMEASURED_PENALTY = 1e9;

/**
 * Least weight a new sample gets in the average. Time alone (1 - exp(-dt/decay)) gives a busy
 * endpoint's samples almost no weight (dt is tiny), so one pause of its process would keep it
 * looking slow for most of the decay time; with this floor an endpoint answering fast again
 * forgets a single slow answer within a few dozen answers, while one that stays slow keeps its
 * cost. A quiet endpoint (dt large) is governed by the decay time as before.
 */
export const MIN_SAMPLE_WEIGHT = 0.1;

/**
 * Live load figures for one endpoint, shared by every picker of a process (mutated by the
 * caller on call start and end): calls in flight, and a peak-sensitive moving average of
 * latency as in Finagle's and linkerd2's PeakEwma. A sample above the average replaces it at
 * once, so a slowing endpoint is avoided quickly; a sample below it is blended in with weight
 * 1 - exp(-dt/decay), dt being the time since the previous sample, and at least
 * MIN_SAMPLE_WEIGHT, so it recovers gradually, and a busy endpoint within a few dozen answers.
 * Read through `cost()`, the average also decays toward zero while no sample arrives, so an
 * endpoint that was avoided for being slow is tried again after a while.
 */
export class EndpointLoad {
  /** Calls started and not ended. */
  inFlight = 0;
  private ewmaMs = 0;
  private sampledAt = 0;
  private sampled = false;
  private decayMs: number;
  private readonly penalty: number;

  constructor(
    private readonly clock: Clock,
    decayMs: number,
    options: { unmeasuredPenalty?: number } = {},
  ) {
    this.decayMs = checkDecay(decayMs);
    this.penalty = options.unmeasuredPenalty ?? DEFAULT_UNMEASURED_PENALTY;
  }

  onCallStarted(): void {
    this.inFlight++;
  }

  /**
   * A call ended after `latencyMs`; undefined when the call ended without a latency that says
   * anything about the endpoint (cancelled by the caller before an answer).
   */
  onCallEnded(latencyMs?: number): void {
    if (this.inFlight > 0) this.inFlight--;
    if (latencyMs === undefined || !(latencyMs >= 0)) return;
    const now = this.clock.now();
    if (!this.sampled || latencyMs > this.ewmaMs) {
      this.ewmaMs = latencyMs;
    } else {
      const w = Math.min(Math.exp(-Math.max(0, now - this.sampledAt) / this.decayMs), 1 - MIN_SAMPLE_WEIGHT);
      this.ewmaMs = this.ewmaMs * w + latencyMs * (1 - w);
    }
    this.sampled = true;
    this.sampledAt = now;
  }

  setDecayMs(ms: number): void {
    this.decayMs = checkDecay(ms);
  }

  /**
   * The latency average in ms as of `now` (decayed since the last sample); 0 before any sample.
   * `now` defaults to the clock; a caller reading several loads at once passes it in.
   */
  latencyMs(now = this.clock.now()): number {
    if (!this.sampled) return 0;
    return this.ewmaMs * Math.exp(-Math.max(0, now - this.sampledAt) / this.decayMs);
  }

  /**
   * peak_ewma cost: latency average x (inFlight + 1). An endpoint with no sample yet costs 0
   * while idle (so it gets probed) and the penalty plus its in-flight count while its probes
   * are out (so it is not flooded).
   */
  cost(now = this.clock.now()): number {
    if (!this.sampled) return this.inFlight === 0 ? 0 : this.penalty + this.inFlight;
    return this.latencyMs(now) * (this.inFlight + 1);
  }
}

function checkDecay(ms: number): number {
  if (!(ms > 0)) throw new RangeError(`EndpointLoad: decayMs must be > 0 (got ${ms})`);
  return ms;
}
