import { statusName } from "@switchboard/core";
import type { Counter, Histogram } from "prom-client";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { CallStats } from "../stats/call-stats.js";

/** One destination of one rule in stats(): calls ended, calls that did not end OK, latency in ms. */
export interface RouteDestinationStats {
  readonly calls: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * What is recorded per (rule, destination) of a service: stats, and the prom-client children of
 * `switchboard_client_route_calls_total` and `switchboard_client_route_duration_seconds`, looked
 * up once so recording a call needs no label lookup.
 */
export class RouteRecord {
  readonly stats = new CallStats();
  private readonly byCode: (Counter.Internal | undefined)[] = [];
  private readonly latency: Histogram.Internal<"service" | "route" | "destination">;

  constructor(
    private readonly service: string,
    private readonly route: string,
    private readonly destination: string,
    private readonly metrics: ClientMetrics,
  ) {
    this.latency = metrics.routeLatency.labels(service, route, destination);
  }

  /** A routed call ended (all its attempts included). */
  record(code: number, latencyMs: number): void {
    this.stats.record(code, latencyMs);
    let counter = this.byCode[code];
    if (counter === undefined) {
      counter = this.metrics.routeCalls.labels(this.service, this.route, this.destination, statusName(code));
      this.byCode[code] = counter;
    }
    counter.inc();
    this.latency.observe(latencyMs / 1000);
  }

  snapshot(): RouteDestinationStats {
    const s = this.stats.snapshot();
    return {
      calls: s.requests,
      errors: s.requests - s.successes,
      p50: s.latencyMs.p50,
      p99: s.latencyMs.p99,
    };
  }
}

/** The route records of one service, kept across table changes for rules and destinations that stay. */
export class RouteRecords {
  private readonly byRule = new Map<string, Map<string, RouteRecord>>();

  constructor(
    private readonly service: string,
    private readonly metrics: ClientMetrics,
  ) {}

  forDestination(rule: string, destination: string): RouteRecord {
    let byLabel = this.byRule.get(rule);
    if (!byLabel) {
      byLabel = new Map();
      this.byRule.set(rule, byLabel);
    }
    let record = byLabel.get(destination);
    if (!record) {
      record = new RouteRecord(this.service, rule, destination, this.metrics);
      byLabel.set(destination, record);
    }
    return record;
  }

  /** By rule, then destination label. */
  snapshot(): Record<string, Record<string, RouteDestinationStats>> {
    const out: Record<string, Record<string, RouteDestinationStats>> = {};
    for (const [rule, byLabel] of this.byRule) {
      const destinations: Record<string, RouteDestinationStats> = {};
      for (const [label, record] of byLabel) destinations[label] = record.snapshot();
      out[rule] = destinations;
    }
    return out;
  }
}
