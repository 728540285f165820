import { CLIENT_REPORT_LIMITS, effectiveHealth, healthToProto } from "@switchboard/core";
import type {
  EndpointFleetHealth,
  GetServiceHealthResponse,
  MethodFleetHealth,
  ReportingClient,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import { HealthStatus, ReportedBreakerState } from "@switchboard/core/gen/switchboard/v1/types.js";
import type { ServiceState } from "../store/types.js";
import type { FleetRecord } from "./fleet-record.js";

/** True while a report counts: younger than `staleAfterIntervals` of its client's interval. */
export function isFresh(record: FleetRecord, nowMs: number): boolean {
  return nowMs - record.receivedAtMs <= CLIENT_REPORT_LIMITS.staleAfterIntervals * record.report.intervalMs;
}

function rate(errors: number, calls: number): number {
  return calls === 0 ? 0 : errors / calls;
}

function endpointRows(state: ServiceState, fresh: readonly FleetRecord[]): EndpointFleetHealth[] {
  const rows = new Map<string, EndpointFleetHealth>();
  for (const e of state.endpoints) {
    const health = healthToProto(effectiveHealth(e));
    rows.set(e.id, {
      endpointId: e.id,
      health,
      registered: true,
      ejectedBy: 0,
      reportedBy: 0,
      calls: 0,
      errors: 0,
      errorRate: 0,
    });
  }
  for (const { report } of fresh) {
    for (const e of report.endpoints) {
      const row = rows.get(e.id) ?? {
        endpointId: e.id,
        health: HealthStatus.HEALTH_STATUS_UNSPECIFIED,
        registered: false,
        ejectedBy: 0,
        reportedBy: 0,
        calls: 0,
        errors: 0,
        errorRate: 0,
      };
      rows.set(e.id, {
        ...row,
        ejectedBy: row.ejectedBy + (e.ejected ? 1 : 0),
        reportedBy: row.reportedBy + 1,
        calls: row.calls + e.calls,
        errors: row.errors + e.errors,
      });
    }
  }
  return [...rows.values()]
    .map((r) => ({ ...r, errorRate: rate(r.errors, r.calls) }))
    .sort((a, b) => Number(b.registered) - Number(a.registered) || (a.endpointId < b.endpointId ? -1 : 1));
}

function methodRows(fresh: readonly FleetRecord[]): MethodFleetHealth[] {
  const rows = new Map<string, MethodFleetHealth>();
  for (const { report } of fresh) {
    for (const m of report.methods) {
      const row = rows.get(m.method) ?? {
        method: m.method,
        openIn: 0,
        halfOpenIn: 0,
        reportedBy: 0,
        calls: 0,
        errors: 0,
        errorRate: 0,
      };
      rows.set(m.method, {
        ...row,
        openIn: row.openIn + (m.breaker === ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN ? 1 : 0),
        halfOpenIn:
          row.halfOpenIn + (m.breaker === ReportedBreakerState.REPORTED_BREAKER_STATE_HALF_OPEN ? 1 : 0),
        reportedBy: row.reportedBy + 1,
        calls: row.calls + m.calls,
        errors: row.errors + m.errors.reduce((sum, c) => sum + c.count, 0),
      });
    }
  }
  return [...rows.values()]
    .map((r) => ({ ...r, errorRate: rate(r.errors, r.calls) }))
    .sort((a, b) => (a.method < b.method ? -1 : 1));
}

function clientRow(record: FleetRecord, nowMs: number): ReportingClient {
  const { report } = record;
  return {
    clientId: record.clientId,
    zone: record.zone,
    sdkVersion: record.sdkVersion,
    replicaId: record.replicaId,
    policyVersion: report.policyVersion,
    routeVersion: report.routeVersion,
    lastReportAgeMs: Math.max(0, Math.round(nowMs - record.receivedAtMs)),
    reportIntervalMs: report.intervalMs,
    serviceBreaker: report.serviceBreaker,
    ejectedEndpoints: report.endpoints.filter((e) => e.ejected).length,
  };
}

/**
 * The fleet view of a service: the registry's endpoints beside what the clients' latest reports
 * say of them (ejected by N of M clients, error rate), the methods' breakers (open in K of M), and
 * each client. Reports older than three of their intervals are left out. One record per client
 * (the newest) is expected.
 */
export function mergeServiceHealth(
  state: ServiceState,
  records: readonly FleetRecord[],
  nowMs: number,
): GetServiceHealthResponse {
  const fresh = records.filter((r) => isFresh(r, nowMs)).sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  const open = ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN;
  return {
    service: state.service,
    version: state.version,
    reportingClients: fresh.length,
    endpoints: endpointRows(state, fresh),
    methods: methodRows(fresh),
    serviceBreakerOpenIn: fresh.filter((r) => r.report.serviceBreaker === open).length,
    clients: fresh.map((r) => clientRow(r, nowMs)),
  };
}
