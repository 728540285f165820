import { statusName } from "@switchboard/core";
import { LatencyHistogram } from "./latency-histogram.js";

/** gRPC defines status codes 0..16; anything else is counted apart. */
const KNOWN_CODES = 17;

/** What `CallStats.snapshot()` returns: plain data, ready for JSON. */
export interface CallStatsSnapshot {
  /** Calls that ended (with any status), retries of a call not counted again. */
  readonly requests: number;
  /** Calls that ended with OK. */
  readonly successes: number;
  /** Calls that ended with another status, by status name ("UNAVAILABLE": 3). */
  readonly errorsByCode: Record<string, number>;
  /** successes / requests; 1 while no call has ended (nothing has failed yet). */
  readonly successRate: number;
  /** Latency percentiles of ended calls, in ms (0 while there are none). */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  /** Retry attempts made (each attempt after a call's first). */
  readonly retries: number;
}

/**
 * Counters for the calls of one (service, method): recording is a few array writes and never
 * allocates, so it can sit on every call's completion path.
 */
export class CallStats {
  readonly latency = new LatencyHistogram();
  private requestCount = 0;
  private retryCount = 0;
  private readonly byCode = new Float64Array(KNOWN_CODES);
  /** Codes outside 0..16 (a misbehaving server); created on first use. */
  private otherCodes: Map<number, number> | undefined;

  /** Records a call that ended with status `code` after `latencyMs` (all its attempts included). */
  record(code: number, latencyMs: number): void {
    this.requestCount++;
    if (code >= 0 && code < KNOWN_CODES && Number.isInteger(code)) {
      this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    } else {
      this.otherCodes ??= new Map();
      this.otherCodes.set(code, (this.otherCodes.get(code) ?? 0) + 1);
    }
    this.latency.record(latencyMs);
  }

  /** Records one retry attempt. */
  recordRetry(): void {
    this.retryCount++;
  }

  get requests(): number {
    return this.requestCount;
  }

  get successes(): number {
    return this.byCode[0] ?? 0;
  }

  get retries(): number {
    return this.retryCount;
  }

  /** Calls that ended with status `code`. */
  countFor(code: number): number {
    if (code >= 0 && code < KNOWN_CODES && Number.isInteger(code)) return this.byCode[code] ?? 0;
    return this.otherCodes?.get(code) ?? 0;
  }

  snapshot(): CallStatsSnapshot {
    const successes = this.successes;
    return {
      requests: this.requestCount,
      successes,
      errorsByCode: this.errorsByName(),
      successRate: this.requestCount === 0 ? 1 : successes / this.requestCount,
      latencyMs: {
        p50: this.latency.percentile(50),
        p95: this.latency.percentile(95),
        p99: this.latency.percentile(99),
      },
      retries: this.retryCount,
    };
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.requestCount = 0;
    this.retryCount = 0;
    this.byCode.fill(0);
    this.otherCodes = undefined;
    this.latency.reset();
  }

  private errorsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let code = 1; code < KNOWN_CODES; code++) {
      const n = this.byCode[code] ?? 0;
      if (n > 0) out[statusName(code)] = n;
    }
    for (const [code, n] of this.otherCodes ?? []) out[statusName(code)] = n;
    return out;
  }
}
