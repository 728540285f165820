import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from "prom-client";

const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
    this.requests = counter(
      r,
      "switchboard_client_requests_total",
      "Calls made through the mesh, by final gRPC status code (after retries).",
      ["service", "method", "code"],
    );
    this.latency = once(
      r,
      "switchboard_client_request_duration_seconds",
      () =>
        new Histogram({
          name: "switchboard_client_request_duration_seconds",
          help: "Call latency as the caller saw it, retries and backoff included.",
          labelNames: ["service", "method"],
          buckets: LATENCY_BUCKETS_S,
          registers: [r],
        }),
    );
    this.retries = counter(r, "switchboard_client_retries_total", "Retry attempts sent.", [
      "service",
      "method",
    ]);
    this.retriesDenied = counter(
      r,
      "switchboard_client_retries_denied_total",
      "Retries not sent: reason=budget (retry budget exhausted) or deadline (no time left).",
      ["service", "reason"],
    );
    this.rejected = counter(
      r,
      "switchboard_client_rejected_total",
      "Calls failed locally without a network call: reason=rate_limited or circuit_open.",
      ["service", "method", "reason"],
    );
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
          buckets: LATENCY_BUCKETS_S,
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
