import { LatencyHistogram, statusName } from "@switchboard/sdk/internals";
import type { CallResult } from "./load-generator.js";

/** Latency percentiles of a set of calls, ms. */
export interface LatencySummary {
  readonly calls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface TallySnapshot extends LatencySummary {
  readonly ok: number;
  readonly failed: number;
  /** Failed calls by status name ("UNAVAILABLE": 3). */
  readonly failedByCode: Readonly<Record<string, number>>;
  /** Failed calls a client-side circuit breaker rejected without a network call. */
  readonly breakerRejected: number;
  /** Successful calls by the instance that answered them. */
  readonly byInstance: Readonly<Record<string, LatencySummary>>;
  /** The first few distinct failure messages, to tell what went wrong. */
  readonly failureSamples: readonly string[];
}

/** Distinct failure messages a tally keeps. */
const FAILURE_SAMPLES = 5;

/** True for the error the SDK returns while a circuit breaker is open (as relayed by a service). */
export function isBreakerRejection(details: string): boolean {
  return details.includes("circuit breaker open");
}

function summarize(h: LatencyHistogram): LatencySummary {
  return { calls: h.count, p50Ms: round(h.percentile(50)), p99Ms: round(h.percentile(99)) };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Counts and latency histograms of call results: overall, and per answering instance. */
export class CallTally {
  private ok = 0;
  private breakerRejected = 0;
  private readonly failedByCode = new Map<string, number>();
  private readonly latency = new LatencyHistogram();
  private readonly byInstance = new Map<string, LatencyHistogram>();
  private readonly failureSamples = new Set<string>();

  get calls(): number {
    return this.latency.count;
  }

  record(r: CallResult): void {
    this.latency.record(r.latencyMs);
    if (r.code !== 0) {
      const name = statusName(r.code);
      this.failedByCode.set(name, (this.failedByCode.get(name) ?? 0) + 1);
      if (isBreakerRejection(r.details)) this.breakerRejected++;
      if (this.failureSamples.size < FAILURE_SAMPLES) this.failureSamples.add(`${name}: ${r.details}`);
      return;
    }
    this.ok++;
    let h = this.byInstance.get(r.servedBy);
    if (!h) {
      h = new LatencyHistogram();
      this.byInstance.set(r.servedBy, h);
    }
    h.record(r.latencyMs);
  }

  snapshot(): TallySnapshot {
    const byInstance: Record<string, LatencySummary> = {};
    for (const [instance, h] of this.byInstance) byInstance[instance] = summarize(h);
    return {
      ...summarize(this.latency),
      ok: this.ok,
      failed: this.calls - this.ok,
      failedByCode: Object.fromEntries(this.failedByCode),
      breakerRejected: this.breakerRejected,
      byInstance,
      failureSamples: [...this.failureSamples],
    };
  }
}
