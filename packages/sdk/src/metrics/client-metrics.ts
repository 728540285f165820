import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from "prom-client";
import { callSeries, rejectedSeries } from "./call-series.js";
import { type CallCounterTable, LATENCY_BUCKETS_S } from "./method-counters.js";

/** The series named `name` on `registry`, created by `make` the first time. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  return once(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }));
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  return once(registry, name, () => new Gauge({ name, help, labelNames, registers: [registry] }));
}

/**
 * The SDK client's Prometheus series (`switchboard_client_*`), on the registry the user passes
 * (default: prom-client's global registry). Several mesh clients may share one registry: each
 * series is created once and reused.
 */
export class ClientMetrics {
  /** Per-(service, method) call counters: recorded per call, read by the series below at scrape time. */
  readonly calls: CallCounterTable;
  readonly requests: Counter<"service" | "method" | "code">;
  readonly latency: Histogram<"service" | "method">;
  readonly retries: Counter<"service" | "method">;
  readonly retriesDenied: Counter<"service" | "reason">;
  readonly rejected: Counter<"service" | "method" | "reason">;
  readonly breakerState: Gauge<"service" | "scope">;
  readonly ejections: Counter<"service">;
  readonly ejected: Gauge<"service">;
  readonly endpoints: Gauge<"service" | "health">;
  readonly nacks: Counter<"service">;
  readonly routeCalls: Counter<"service" | "route" | "destination" | "code">;
  readonly routeLatency: Histogram<"service" | "route" | "destination">;
  readonly connected: Gauge;
  readonly updateAge: Gauge;

  constructor(registry: Registry = globalRegistry, lastUpdateMs: () => number | undefined = () => undefined) {
    const r = registry;
    ({
      table: this.calls,
      requests: this.requests,
      latency: this.latency,
      retries: this.retries,
    } = callSeries(r, (name, make) => once(r, name, make)));
    this.retriesDenied = counter(
      r,
      "switchboard_client_retries_denied_total",
      "Retries not sent: reason=budget (retry budget exhausted) or deadline (no time left).",
      ["service", "reason"],
    );
    this.rejected = rejectedSeries(r, this.calls, (name, make) => once(r, name, make));
    this.breakerState = gauge(
      r,
      "switchboard_client_breaker_state",
      "Circuit breaker state per service and scope: 0 closed, 1 half-open, 2 open.",
      ["service", "scope"],
    );
    this.ejections = counter(
      r,
      "switchboard_client_ejections_total",
      "Endpoints taken out of rotation by outlier detection.",
      ["service"],
    );
    this.ejected = gauge(
      r,
      "switchboard_client_ejected_endpoints",
      "Endpoints currently ejected by outlier detection.",
      ["service"],
    );
    this.endpoints = gauge(r, "switchboard_client_endpoints", "Endpoints known per service, by health.", [
      "service",
      "health",
    ]);
    this.nacks = counter(
      r,
      "switchboard_client_nacks_total",
      "Control-plane updates rejected (bad policy, or an update that would empty a service).",
      ["service"],
    );
    this.routeCalls = counter(
      r,
      "switchboard_client_route_calls_total",
      "Calls a route rule matched, by rule, destination (subset name or service:<name>) and final gRPC status code.",
      ["service", "route", "destination", "code"],
    );
    this.routeLatency = once(
      r,
      "switchboard_client_route_duration_seconds",
      () =>
        new Histogram({
          name: "switchboard_client_route_duration_seconds",
          help: "Latency of calls a route rule matched, by rule and destination, retries included.",
          labelNames: ["service", "route", "destination"],
          buckets: [...LATENCY_BUCKETS_S],
          registers: [r],
        }),
    );
    this.connected = gauge(
      r,
      "switchboard_client_control_plane_connected",
      "1 while the Discovery stream to the control plane is up.",
      [],
    );
    this.updateAge = once(
      r,
      "switchboard_client_last_update_age_seconds",
      () =>
        new Gauge({
          name: "switchboard_client_last_update_age_seconds",
          help: "Seconds since the last update from the control plane (-1 before the first).",
          registers: [r],
          collect() {
            const last = lastUpdateMs();
            this.set(last === undefined ? -1 : (Date.now() - last) / 1000);
          },
        }),
    );
  }
}
