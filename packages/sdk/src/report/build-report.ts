import { CLIENT_REPORT_LIMITS, statusFromName } from "@switchboard/core";
import type {
  ClientReport,
  EndpointReport,
  MethodReport,
  StatusCount,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { ReportedBreakerState, ReportedConnectivity } from "@switchboard/core/gen/switchboard/v1/types.js";
import type { BreakerState } from "../breaker/circuit-breaker.js";
import type { MethodStats, ServiceStats } from "../client/stats.js";
import type { ConnectivityName } from "../client/traffic-state.js";
import type { LatencyHistogram } from "../stats/latency-histogram.js";

/** The cumulative counts a report was built from: the next report counts from them. */
export interface ReportBaseline {
  readonly atMs: number;
  /** Attempts and failed attempts, by endpoint id. */
  readonly endpoints: ReadonlyMap<string, { readonly calls: number; readonly errors: number }>;
  /** By method name. */
  readonly methods: ReadonlyMap<string, MethodCounts>;
}

interface MethodCounts {
  /** The method's latency bucket counts (when its histogram was given), for the next window. */
  readonly latency?: Float64Array;
  readonly calls: number;
  readonly retries: number;
  readonly rateLimited: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
}

export interface ReportInput {
  readonly service: string;
  /** The service's entry of `MeshClient.stats()`. */
  readonly stats: ServiceStats;
  /** Version of the route table the client runs; 0 when it has none or does not know. */
  readonly routeVersion: number;
  readonly intervalMs: number;
  /** Clock time now, ms. */
  readonly nowMs: number;
  /** What the previous report of this service counted from; undefined for the first. */
  readonly previous: ReportBaseline | undefined;
  /**
   * A method's latency histogram: P50 and P99 are then those of the calls since the previous
   * report. Without it they are the method's since the client started.
   */
  readonly latency?: (method: string) => LatencyHistogram | undefined;
  /** For tests; default CLIENT_REPORT_LIMITS. */
  readonly limits?: { readonly maxEndpoints: number; readonly maxMethods: number; readonly maxCodes: number };
}

export interface BuiltReport {
  readonly report: ClientReport;
  readonly baseline: ReportBaseline;
}

const BREAKER: Record<BreakerState | "disabled", ReportedBreakerState> = {
  disabled: ReportedBreakerState.REPORTED_BREAKER_STATE_UNSPECIFIED,
  closed: ReportedBreakerState.REPORTED_BREAKER_STATE_CLOSED,
  open: ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN,
  half_open: ReportedBreakerState.REPORTED_BREAKER_STATE_HALF_OPEN,
};

const CONNECTIVITY: Record<ConnectivityName, ReportedConnectivity> = {
  IDLE: ReportedConnectivity.REPORTED_CONNECTIVITY_IDLE,
  CONNECTING: ReportedConnectivity.REPORTED_CONNECTIVITY_CONNECTING,
  READY: ReportedConnectivity.REPORTED_CONNECTIVITY_READY,
  TRANSIENT_FAILURE: ReportedConnectivity.REPORTED_CONNECTIVITY_TRANSIENT_FAILURE,
  SHUTDOWN: ReportedConnectivity.REPORTED_CONNECTIVITY_SHUTDOWN,
};

/** Counts since the baseline; a counter that went back (its endpoint left and came back) counts afresh. */
function since(now: number, before: number | undefined): number {
  return before === undefined || now < before ? now : now - before;
}

function codeOf(name: string): number {
  return statusFromName(name) ?? Number(name);
}

function errorCounts(stats: MethodStats, before: MethodCounts | undefined, maxCodes: number): StatusCount[] {
  const out: StatusCount[] = [];
  for (const [name, n] of Object.entries(stats.errorsByCode)) {
    const count = since(n, before?.errorsByCode[name]);
    const code = codeOf(name);
    if (count > 0 && Number.isInteger(code)) out.push({ code, count });
  }
  return out.sort((a, b) => b.count - a.count || a.code - b.code).slice(0, maxCodes);
}

function methodReport(
  method: string,
  stats: MethodStats,
  before: MethodCounts | undefined,
  maxCodes: number,
  histogram: LatencyHistogram | undefined,
) {
  return {
    method,
    breaker: BREAKER[stats.breakerState],
    calls: since(stats.requests, before?.calls),
    errors: errorCounts(stats, before, maxCodes),
    retries: since(stats.retries, before?.retries),
    rateLimited: since(stats.rateLimited, before?.rateLimited),
    latencyP50Ms: histogram ? histogram.percentileSince(before?.latency, 50) : stats.latencyMs.p50,
    latencyP99Ms: histogram ? histogram.percentileSince(before?.latency, 99) : stats.latencyMs.p99,
  } satisfies MethodReport;
}

/**
 * The report of one service, from that service's `stats()` entry: endpoint ejection and
 * connectivity, breaker states, and call counts since the previous report (`previous`), within
 * the report bounds (ejected endpoints and the busiest methods first when something must be
 * left out). Returns the counts the next report starts from.
 */
export function buildClientReport(input: ReportInput): BuiltReport {
  const { stats, previous, nowMs } = input;
  const limits = input.limits ?? CLIENT_REPORT_LIMITS;
  const endpointCounts = new Map<string, { calls: number; errors: number }>();
  const endpoints: EndpointReport[] = [];
  for (const e of stats.endpoints) {
    const counts = { calls: e.attempts.requests, errors: e.attempts.requests - e.attempts.successes };
    endpointCounts.set(e.id, counts);
    const before = previous?.endpoints.get(e.id);
    endpoints.push({
      id: e.id,
      ejected: e.ejected,
      connectivity: CONNECTIVITY[e.connectivity],
      calls: since(counts.calls, before?.calls),
      errors: since(counts.errors, before?.errors),
    });
  }
  endpoints.sort(
    (a, b) => Number(b.ejected) - Number(a.ejected) || b.calls - a.calls || (a.id < b.id ? -1 : 1),
  );
  const methodCounts = new Map<string, MethodCounts>();
  const methods: MethodReport[] = [];
  for (const [name, m] of Object.entries(stats.methods)) {
    const histogram = input.latency?.(name);
    methods.push(methodReport(name, m, previous?.methods.get(name), limits.maxCodes, histogram));
    methodCounts.set(name, {
      ...(histogram ? { latency: histogram.countsCopy() } : {}),
      calls: m.requests,
      retries: m.retries,
      rateLimited: m.rateLimited,
      errorsByCode: m.errorsByCode,
    });
  }
  methods.sort((a, b) => b.calls - a.calls || (a.method < b.method ? -1 : 1));
  const report: ClientReport = {
    service: input.service,
    policyVersion: stats.version,
    routeVersion: input.routeVersion,
    intervalMs: input.intervalMs,
    windowMs: Math.max(0, Math.round(nowMs - (previous?.atMs ?? nowMs))),
    serviceBreaker: BREAKER[stats.breakers["*"] ?? "disabled"],
    endpoints: endpoints.slice(0, limits.maxEndpoints),
    methods: methods.slice(0, limits.maxMethods),
    endpointsOmitted: Math.max(0, endpoints.length - limits.maxEndpoints),
    methodsOmitted: Math.max(0, methods.length - limits.maxMethods),
  };
  return { report, baseline: { atMs: nowMs, endpoints: endpointCounts, methods: methodCounts } };
}
