import type { BreakerState } from "../breaker/circuit-breaker.js";
import type { RouteDestinationStats } from "../route/route-record.js";
import type { CallStatsSnapshot } from "../stats/call-stats.js";
import type { EndpointHealth } from "./endpoint.js";
import type { ServiceRuntime } from "./service-runtime.js";
import type { ConnectivityName } from "./traffic-state.js";

/** A method's stats, with the state of the breaker that guards it. */
export interface MethodStats extends CallStatsSnapshot {
  /** "disabled" when the policy has no breaker for this method. */
  readonly breakerState: BreakerState | "disabled";
  /** Calls refused by the client's rate limit (RESOURCE_EXHAUSTED without a network call). */
  readonly rateLimited: number;
}

export interface EndpointStats {
  readonly id: string;
  readonly zone: string;
  readonly weight: number;
  readonly health: EndpointHealth;
  /** Out of rotation by outlier detection (open or half-open breaker). */
  readonly ejected: boolean;
  /**
   * The connection's state as grpc-js reports it: READY, CONNECTING, TRANSIENT_FAILURE (a
   * killed or unreachable instance, seen within a second, long before its lease runs out), or
   * IDLE (no channel has connected to it).
   */
  readonly connectivity: ConnectivityName;
  /** True when the balancer may send this endpoint a call now (serving, connected, not ejected). */
  readonly pickable: boolean;
  readonly inFlight: number;
  /** peak-EWMA latency, ms (0 before the first answer). */
  readonly latencyEwmaMs: number;
  /** Attempts sent to this endpoint (retries included), by outcome. */
  readonly attempts: CallStatsSnapshot;
}

export interface ServiceStats {
  readonly version: number;
  /** True while the client keeps endpoints the control plane no longer lists (static stability). */
  readonly stale: boolean;
  readonly loadBalancing: string;
  readonly breakers: Readonly<Record<string, BreakerState>>;
  readonly retryBudgetAvailable: number;
  readonly endpoints: readonly EndpointStats[];
  /** By "package.Service/Method". */
  readonly methods: Readonly<Record<string, MethodStats>>;
  /** Version of the route table routed by (0: none). */
  readonly routeVersion: number;
  /** Calls route rules matched, by rule name, then destination (subset name or "service:<name>"). */
  readonly routes: Readonly<Record<string, Readonly<Record<string, RouteDestinationStats>>>>;
}

export interface MeshStats {
  readonly connected: boolean;
  /** The control-plane replica in use. */
  readonly controlPlane: string;
  /** ms since the last update from the control plane; undefined before the first. */
  readonly lastUpdateAgeMs: number | undefined;
  readonly services: Readonly<Record<string, ServiceStats>>;
}

const EMPTY_ATTEMPTS: CallStatsSnapshot = {
  requests: 0,
  successes: 0,
  errorsByCode: {},
  successRate: 1,
  latencyMs: { p50: 0, p95: 0, p99: 0 },
  retries: 0,
};

export function serviceStats(
  runtime: ServiceRuntime,
  methodSnapshots: Record<string, CallStatsSnapshot>,
): ServiceStats {
  const traffic = runtime.traffic;
  const breakers = traffic.breakerStates();
  const methods: Record<string, MethodStats> = {};
  for (const [method, snapshot] of Object.entries(methodSnapshots)) {
    const { policy, record } = runtime.method(`/${method}`);
    const breakerState = policy.circuitBreaker ? (breakers[policy.breakerScope] ?? "closed") : "disabled";
    methods[method] = { ...snapshot, breakerState, rateLimited: record.rateLimited };
  }
  return {
    version: runtime.view.version,
    stale: runtime.view.stale,
    loadBalancing: runtime.view.policy.loadBalancing.algorithm,
    breakers,
    retryBudgetAvailable: traffic.budget.available,
    endpoints: runtime.view.endpoints.map((e) => {
      const load = traffic.loads.get(e.id);
      return {
        id: e.id,
        zone: e.zone,
        weight: e.weight,
        health: e.health,
        ejected: traffic.outlier?.isEjected(e.id) ?? false,
        connectivity: traffic.connectivityOf(e.id),
        pickable: traffic.isAvailable(e.id),
        inFlight: load?.inFlight ?? 0,
        latencyEwmaMs: load?.latencyMs() ?? 0,
        attempts: runtime.endpointStats.get(e.id)?.snapshot() ?? EMPTY_ATTEMPTS,
      };
    }),
    methods,
    routeVersion: runtime.view.routeVersion,
    routes: runtime.routes.snapshot(),
  };
}
