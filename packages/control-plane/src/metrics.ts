import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The `service` label of a series about a name the store does not know (clients choose the
 * names they subscribe to, so such labels are bounded to this one value). */
export const UNKNOWN_SERVICE_LABEL = "other";

/** Endpoints per known service, as the store counts them without reading records. */
export type EndpointCountSource = () => Promise<ReadonlyMap<string, number>>;

/** Every series the control plane exports, all prefixed `switchboard_`. */
export class ControlPlaneMetrics {
  /** Connected Discovery streams on this replica. */
  readonly subscribers: Gauge;
  /** Service subscriptions over all Discovery streams on this replica. */
  readonly subscriptions: Gauge;
  readonly pushes: Counter<"type">;
  /** From a change reaching this replica to its response being written to a stream. */
  readonly pushLatency: Histogram;
  readonly endpoints: Gauge<"service">;
  readonly leaseExpiries: Counter;
  readonly storeErrors: Counter<"operation">;
  readonly storeAvailable: Gauge;
  readonly rpcRequests: Counter<"method" | "code">;
  readonly rpcDuration: Histogram<"method">;
  readonly nacks: Counter<"service">;
  readonly unknownNonces: Counter;
  private serviceSource: EndpointCountSource | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.subscribers = new Gauge({
      name: "switchboard_subscribers",
      help: "Connected Discovery streams",
      registers,
    });
    this.subscriptions = new Gauge({
      name: "switchboard_subscriptions",
      help: "Service subscriptions over all Discovery streams",
      registers,
    });
    this.pushes = new Counter({
      name: "switchboard_pushes_total",
      help: "Discovery responses written, by type (snapshot, delta, error)",
      labelNames: ["type"],
      registers,
    });
    this.pushLatency = new Histogram({
      name: "switchboard_push_latency_seconds",
      help: "Time from a change reaching this replica to its delta being written to a stream",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const self = this;
    this.endpoints = new Gauge({
      name: "switchboard_endpoints",
      help: "Registered endpoints per service",
      labelNames: ["service"],
      registers,
      async collect() {
        await self.collectEndpoints(this);
      },
    });
    this.leaseExpiries = new Counter({
      name: "switchboard_lease_expiries_total",
      help: "Endpoints removed because their lease expired (by this replica's reaper)",
      registers,
    });
    this.storeErrors = new Counter({
      name: "switchboard_store_errors_total",
      help: "Failed store operations, by operation",
      labelNames: ["operation"],
      registers,
    });
    this.storeAvailable = new Gauge({
      name: "switchboard_store_available",
      help: "1 while the registry store is reachable",
      registers,
    });
    this.rpcRequests = new Counter({
      name: "switchboard_rpc_requests_total",
      help: "gRPC calls handled, by method and status code",
      labelNames: ["method", "code"],
      registers,
    });
    this.rpcDuration = new Histogram({
      name: "switchboard_rpc_duration_seconds",
      help: "gRPC call duration, by method (streams: their whole life)",
      labelNames: ["method"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers,
    });
    this.nacks = new Counter({
      name: "switchboard_nacks_total",
      help: `Discovery responses rejected by clients, by service ("${UNKNOWN_SERVICE_LABEL}" for names the store does not know)`,
      labelNames: ["service"],
      registers,
    });
    this.unknownNonces = new Counter({
      name: "switchboard_unknown_nonces_total",
      help: "Acks and Nacks naming a nonce this replica did not send (or no longer remembers)",
      registers,
    });
  }

  /** Where the endpoints-per-service gauge reads from at scrape time. */
  setServiceSource(source: EndpointCountSource): void {
    this.serviceSource = source;
  }

  /** Counts a rejected response; `known`: the store knows the service (else the label is
   * UNKNOWN_SERVICE_LABEL, so clients cannot grow the series without bound). */
  countNack(service: string, known: boolean): void {
    this.nacks.inc({ service: known ? service : UNKNOWN_SERVICE_LABEL });
  }

  private async collectEndpoints(gauge: Gauge<"service">): Promise<void> {
    if (!this.serviceSource) return;
    try {
      const counts = await this.serviceSource();
      gauge.reset();
      for (const [service, endpoints] of counts) gauge.set({ service }, endpoints);
    } catch {
      // The store is unreachable: keep the last values; store_errors_total counts the failure.
    }
  }
}
