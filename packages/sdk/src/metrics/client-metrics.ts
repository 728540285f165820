import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from "prom-client";

const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
  readonly connected: Gauge;
  readonly updateAge: Gauge;

  constructor(registry: Registry = globalRegistry, lastUpdateMs: () => number | undefined = () => undefined) {
    const reg = [registry];
    const once = <T>(name: string, make: () => T): T =>
      (registry.getSingleMetric(name) as T | undefined) ?? make();
    this.requests = once(
      "switchboard_client_requests_total",
      () =>
        new Counter({
          name: "switchboard_client_requests_total",
          help: "Calls made through the mesh, by final gRPC status code (after retries).",
          labelNames: ["service", "method", "code"],
          registers: reg,
        }),
    );
    this.latency = once(
      "switchboard_client_request_duration_seconds",
      () =>
        new Histogram({
          name: "switchboard_client_request_duration_seconds",
          help: "Call latency as the caller saw it, retries and backoff included.",
          labelNames: ["service", "method"],
          buckets: LATENCY_BUCKETS_S,
          registers: reg,
        }),
    );
    this.retries = once(
      "switchboard_client_retries_total",
      () =>
        new Counter({
          name: "switchboard_client_retries_total",
          help: "Retry attempts sent.",
          labelNames: ["service", "method"],
          registers: reg,
        }),
    );
    this.retriesDenied = once(
      "switchboard_client_retries_denied_total",
      () =>
        new Counter({
          name: "switchboard_client_retries_denied_total",
          help: "Retries not sent: reason=budget (retry budget exhausted) or deadline (no time left).",
          labelNames: ["service", "reason"],
          registers: reg,
        }),
    );
    this.rejected = once(
      "switchboard_client_rejected_total",
      () =>
        new Counter({
          name: "switchboard_client_rejected_total",
          help: "Calls failed locally without a network call: reason=rate_limited or circuit_open.",
          labelNames: ["service", "method", "reason"],
          registers: reg,
        }),
    );
    this.breakerState = once(
      "switchboard_client_breaker_state",
      () =>
        new Gauge({
          name: "switchboard_client_breaker_state",
          help: "Circuit breaker state per service and scope: 0 closed, 1 half-open, 2 open.",
          labelNames: ["service", "scope"],
          registers: reg,
        }),
    );
    this.ejections = once(
      "switchboard_client_ejections_total",
      () =>
        new Counter({
          name: "switchboard_client_ejections_total",
          help: "Endpoints taken out of rotation by outlier detection.",
          labelNames: ["service"],
          registers: reg,
        }),
    );
    this.ejected = once(
      "switchboard_client_ejected_endpoints",
      () =>
        new Gauge({
          name: "switchboard_client_ejected_endpoints",
          help: "Endpoints currently ejected by outlier detection.",
          labelNames: ["service"],
          registers: reg,
        }),
    );
    this.endpoints = once(
      "switchboard_client_endpoints",
      () =>
        new Gauge({
          name: "switchboard_client_endpoints",
          help: "Endpoints known per service, by health.",
          labelNames: ["service", "health"],
          registers: reg,
        }),
    );
    this.nacks = once(
      "switchboard_client_nacks_total",
      () =>
        new Counter({
          name: "switchboard_client_nacks_total",
          help: "Control-plane updates rejected (bad policy, or an update that would empty a service).",
          labelNames: ["service"],
          registers: reg,
        }),
    );
    this.connected = once(
      "switchboard_client_control_plane_connected",
      () =>
        new Gauge({
          name: "switchboard_client_control_plane_connected",
          help: "1 while the Discovery stream to the control plane is up.",
          registers: reg,
        }),
    );
    this.updateAge = once(
      "switchboard_client_last_update_age_seconds",
      () =>
        new Gauge({
          name: "switchboard_client_last_update_age_seconds",
          help: "Seconds since the last update from the control plane (-1 before the first).",
          registers: reg,
          collect() {
            const last = lastUpdateMs();
            this.set(last === undefined ? -1 : (Date.now() - last) / 1000);
          },
        }),
    );
  }
}
