import { statusName } from "@switchboard/core";
import type { Counter, Histogram } from "prom-client";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import type { CallStats } from "../stats/call-stats.js";

/**
 * Everything recorded per (service, method), looked up once per call path and kept, so
 * recording a call needs no map or label lookup: stats, and the prom-client children.
 */
export class MethodRecord {
  private readonly byCode: (Counter.Internal | undefined)[] = [];
  private readonly latency: Histogram.Internal<"service" | "method">;
  private readonly retries: Counter.Internal;
  /** Calls refused by the client's rate limit (for stats()). */
  rateLimited = 0;

  constructor(
    readonly service: string,
    /** "package.Service/Method". */
    readonly method: string,
    readonly stats: CallStats,
    private readonly metrics: ClientMetrics,
  ) {
    this.latency = metrics.latency.labels(service, method);
    this.retries = metrics.retries.labels(service, method);
  }

  /** A call ended (all attempts included). */
  record(code: number, latencyMs: number, retries: number): void {
    this.stats.record(code, latencyMs);
    let counter = this.byCode[code];
    if (counter === undefined) {
      counter = this.metrics.requests.labels(this.service, this.method, statusName(code));
      this.byCode[code] = counter;
    }
    counter.inc();
    this.latency.observe(latencyMs / 1000);
    if (retries > 0) {
      for (let i = 0; i < retries; i++) this.stats.recordRetry();
      this.retries.inc(retries);
    }
  }

  rejected(reason: "rate_limited" | "circuit_open"): void {
    if (reason === "rate_limited") this.rateLimited++;
    this.metrics.rejected.labels(this.service, this.method, reason).inc();
  }
}
