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
 * Least weight of a new answer in a service's default estimate (and the weight of each of its
 * first answers is 1/n, a plain mean, so the first one does not set it alone).
 */
export const BASELINE_SAMPLE_WEIGHT = 0.05;

/**
 * A service's default latency estimate: a moving average of the answers of all its endpoints,
 * shared by their EndpointLoads (Linkerd's and Finagle's "default RTT", learnt instead of fixed).
 * A new endpoint starts from it, and an endpoint that gets no calls drifts back to it.
 */
export class LatencyBaseline {
  private average = 0;
  private samples = 0;

  /** The estimate in ms; undefined before the service's first answer. */
  get ms(): number | undefined {
    return this.samples === 0 ? undefined : this.average;
  }

  observe(latencyMs: number): void {
    this.samples++;
    const w = Math.max(BASELINE_SAMPLE_WEIGHT, 1 / this.samples);
    this.average += (latencyMs - this.average) * w;
  }
}

/**
 * Live load figures for one endpoint, shared by every picker of a process (mutated by the
 * caller on call start and end): calls in flight, and a peak-sensitive moving average of
 * latency as in Finagle's and linkerd2's PeakEwma. A sample above the average replaces it at
 * once, so a slowing endpoint is avoided quickly; a sample below it is blended in with weight
 * 1 - exp(-dt/decay), dt being the time since the previous sample, and at least
 * MIN_SAMPLE_WEIGHT, so it recovers gradually, and a busy endpoint within a few dozen answers.
 * Read through `cost()`, the average also decays while no sample arrives, so an endpoint that
 * was avoided for being slow is tried again after a while. Without a LatencyBaseline it decays
 * toward zero with the decay time (Finagle's and linkerd2's model). With one (what mesh
 * channels use), it decays toward the service's default estimate, and as fast as answers would
 * have moved it: an idle endpoint forgets at the pace a busy one forgets a slow answer, as if it
 * answered at the default estimate once per its own latency (time constant: its latency /
 * MIN_SAMPLE_WEIGHT, at most the decay time). Otherwise one slow answer (a pause, a cold start)
 * would keep an endpoint out of rotation for several decay times whenever the others can take
 * every call: equal instances one call at a time split 98/2. A new endpoint starts from the
 * default estimate, so a restarted instance takes its share at once (without a baseline it is
 * probed one call at a time until it answers).
 */
export class EndpointLoad {
  /** Calls started and not ended. */
  inFlight = 0;
  private ewmaMs = 0;
  private sampledAt = 0;
  private sampled = false;
  private decayMs: number;
  private readonly penalty: number;
  private readonly baseline: LatencyBaseline | undefined;

  constructor(
    private readonly clock: Clock,
    decayMs: number,
    options: { unmeasuredPenalty?: number; baseline?: LatencyBaseline } = {},
  ) {
    this.decayMs = checkDecay(decayMs);
    this.penalty = options.unmeasuredPenalty ?? DEFAULT_UNMEASURED_PENALTY;
    this.baseline = options.baseline;
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
    // With a default estimate, the average has drifted toward it since the last sample: blend
    // from where it is now, not from where it was.
    const from = this.baseline && this.sampled ? this.latencyMs(now) : this.ewmaMs;
    this.baseline?.observe(latencyMs);
    if (!this.sampled || latencyMs > from) {
      this.ewmaMs = latencyMs;
    } else {
      const w = Math.min(Math.exp(-Math.max(0, now - this.sampledAt) / this.decayMs), 1 - MIN_SAMPLE_WEIGHT);
      this.ewmaMs = from * w + latencyMs * (1 - w);
    }
    this.sampled = true;
    this.sampledAt = now;
  }

  setDecayMs(ms: number): void {
    this.decayMs = checkDecay(ms);
  }

  /**
   * The latency average in ms as of `now` (decayed since the last sample toward the default
   * estimate); the default estimate before any sample (0 without a baseline). `now` defaults to
   * the clock; a caller reading several loads at once passes it in.
   */
  latencyMs(now = this.clock.now()): number {
    const baseline = this.baseline?.ms;
    if (!this.sampled) return baseline ?? 0;
    const idleMs = Math.max(0, now - this.sampledAt);
    if (baseline === undefined) return this.ewmaMs * Math.exp(-idleMs / this.decayMs);
    const tauMs = Math.min(this.decayMs, this.ewmaMs / MIN_SAMPLE_WEIGHT);
    return baseline + (this.ewmaMs - baseline) * (tauMs > 0 ? Math.exp(-idleMs / tauMs) : 0);
  }

  /**
   * peak_ewma cost: latency average x (inFlight + 1). An endpoint with no sample yet costs the
   * default estimate x (inFlight + 1); without a known default, 0 while idle (so it gets probed)
   * and the penalty plus its in-flight count while its probes are out (so it is not flooded).
   */
  cost(now = this.clock.now()): number {
    if (!this.sampled) {
      const fallback = this.baseline?.ms;
      if (fallback !== undefined) return fallback * (this.inFlight + 1);
      return this.inFlight === 0 ? 0 : this.penalty + this.inFlight;
    }
    return this.latencyMs(now) * (this.inFlight + 1);
  }
}

function checkDecay(ms: number): number {
  if (!(ms > 0)) throw new RangeError(`EndpointLoad: decayMs must be > 0 (got ${ms})`);
  return ms;
}
