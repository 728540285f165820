/**
 * Pieces both stores share, so they agree on ids, record shapes and argument rules exactly.
 */
import { formatEndpointId, HEALTH_VALUES } from "@switchboard/core";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { invalidStoreArgument, storeFailure } from "./errors.js";
import type { ClientReportEntry, EndpointRecord, Health, RegisterInput, RolloutOverlay } from "./types.js";

/**
 * Times are whole milliseconds: a fractional high-resolution clock would otherwise round
 * differently in Redis (Lua numbers print 14 significant digits) than in memory.
 */
export function wholeMs(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalidStoreArgument(field, "a finite number >= 0", value);
  return Math.floor(value);
}

export function positiveInt(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw invalidStoreArgument(field, "an integer >= 1", value);
  return value;
}

export function nonNegativeInt(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidStoreArgument(field, "an integer >= 0", value);
  return value;
}

export function checkHealth(field: string, value: Health): Health {
  if (!HEALTH_VALUES.includes(value)) throw invalidStoreArgument(field, HEALTH_VALUES.join(" | "), value);
  return value;
}

/** A client report as the store keeps it: named, whole-ms timestamp. */
export function checkClientReportEntry(entry: ClientReportEntry): ClientReportEntry {
  if (entry.service.length === 0) throw invalidStoreArgument("service", "non-empty", '""');
  if (entry.clientId.length === 0) throw invalidStoreArgument("clientId", "non-empty", '""');
  return { ...entry, receivedAtMs: wholeMs("receivedAtMs", entry.receivedAtMs) };
}

/** The argument rules the store itself relies on; the registration service checks the rest. */
export function checkRegisterInput(input: RegisterInput): void {
  if (input.service.length === 0) throw invalidStoreArgument("service", "non-empty", '""');
  positiveInt("ttlMs", input.ttlMs);
  nonNegativeInt("maxEndpointsPerService", input.maxEndpointsPerService);
  checkHealth("health", input.health);
}

/** A fresh record for a registration at `nowMs`. */
export function newEndpointRecord(
  input: RegisterInput,
  leaseId: string,
  nowMs: number,
  adminDrained: boolean,
): EndpointRecord {
  return {
    id: formatEndpointId(input.host, input.port),
    service: input.service,
    host: input.host,
    port: input.port,
    zone: input.zone,
    weight: input.weight,
    metadata: { ...input.metadata },
    reportedHealth: input.health,
    adminDrained,
    leaseId,
    ttlMs: input.ttlMs,
    registeredAtMs: nowMs,
    renewedAtMs: nowMs,
    expiresAtMs: nowMs + input.ttlMs,
  };
}

/** The record as of its current lease deadline (renewals move only the deadline). */
export function withDeadline(record: EndpointRecord, expiresAtMs: number): EndpointRecord {
  if (record.expiresAtMs === expiresAtMs) return record;
  return { ...record, renewedAtMs: expiresAtMs - record.ttlMs, expiresAtMs };
}

export function compareById(a: EndpointRecord, b: EndpointRecord): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Records and changes the memory store shares are frozen, so no reader can alter what others see. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A route table as both stores keep it: proto3 JSON without its route version (the version
 * it is stored at is kept beside it, and set when it is read back). */
export function routesToJson(routes: RouteTable): unknown {
  return RouteTable.toJSON({ ...routes, routeVersion: 0 });
}

/** A stored route table read back, stamped with the version it was stored at. */
export function routesFromJson(json: unknown, routeVersion: number): RouteTable {
  return { ...RouteTable.fromJSON(json), routeVersion };
}

/** A rollout overlay as both stores keep it (proto3 JSON inside; the candidate table without
 * its route version, which is the version of the change that set the overlay). */
export function overlayToJson(overlay: RolloutOverlay): unknown {
  return {
    rolloutId: overlay.rolloutId,
    stage: overlay.stage,
    cohortBuckets: overlay.cohortBuckets,
    ...(overlay.policy ? { policy: Policy.toJSON(overlay.policy) } : {}),
    ...(overlay.routes ? { routes: routesToJson(overlay.routes) } : {}),
  };
}

/** A stored overlay read back; its route table stamped with `version`. */
export function overlayFromJson(json: unknown, version: number): RolloutOverlay {
  if (typeof json !== "object" || json === null) throw storeFailure("rollout overlay is not an object");
  const o = json as Record<string, unknown>;
  const { rolloutId, stage, cohortBuckets } = o;
  if (typeof rolloutId !== "string" || typeof stage !== "number" || typeof cohortBuckets !== "number") {
    throw storeFailure("rollout overlay lacks rolloutId, stage or cohortBuckets");
  }
  return {
    rolloutId,
    stage,
    cohortBuckets,
    policy: o.policy === undefined || o.policy === null ? undefined : Policy.fromJSON(o.policy),
    routes: o.routes === undefined || o.routes === null ? undefined : routesFromJson(o.routes, version),
  };
}
