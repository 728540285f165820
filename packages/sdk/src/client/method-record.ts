import type { ClientMetrics } from "../metrics/client-metrics.js";
import type { MethodCounters, RejectReason } from "../metrics/method-counters.js";
import type { CallStats } from "../stats/call-stats.js";

/**
 * Everything recorded per (service, method), looked up once per call path and kept, so
 * recording a call needs no map or label lookup: stats, and the SDK's own counters, which
 * prom-client reads when it is scraped.
 */
export class MethodRecord {
  /** The counters behind `switchboard_client_*` per-call series for this method. */
  readonly counters: MethodCounters;
  /** Calls refused by the client's rate limit (for stats() and client reports). */
  rateLimited = 0;

  constructor(
    readonly service: string,
    /** "package.Service/Method". */
    readonly method: string,
    readonly stats: CallStats,
    metrics: ClientMetrics,
  ) {
    this.counters = metrics.calls.forMethod(service, method);
  }

  /** A call ended (all attempts included). */
  record(code: number, latencyMs: number, retries: number): void {
    this.stats.record(code, latencyMs);
    this.counters.record(code, latencyMs, retries);
    for (let i = 0; i < retries; i++) this.stats.recordRetry();
  }

  rejected(reason: RejectReason): void {
    if (reason === "rate_limited") this.rateLimited++;
    this.counters.rejected(reason);
  }
}
