/**
 * JSON forms of records and changes as RedisStore keeps them, parsed back with checks: the
 * data crosses a process boundary and may have been written by another version of the code.
 */
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { storeFailure } from "./errors.js";
import { overlayFromJson, routesFromJson } from "./records.js";
import type { Change, EndpointRecord, Health, RemovalReason } from "./types.js";

const HEALTH: ReadonlySet<string> = new Set<Health>(["SERVING", "NOT_SERVING", "DRAINING"]);
const REASONS: ReadonlySet<string> = new Set<RemovalReason>(["DEREGISTERED", "EXPIRED", "ADMIN_REMOVED"]);

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw storeFailure(`${what} is not an object`);
  return value as Json;
}

function str(o: Json, field: string, what: string): string {
  const v = o[field];
  if (typeof v !== "string") throw storeFailure(`${what}.${field} is not a string`);
  return v;
}

function num(o: Json, field: string, what: string): number {
  const v = o[field];
  if (typeof v !== "number" || !Number.isFinite(v)) throw storeFailure(`${what}.${field} is not a number`);
  return v;
}

function oneOf<T extends string>(o: Json, field: string, allowed: ReadonlySet<string>, what: string): T {
  const v = str(o, field, what);
  if (!allowed.has(v)) throw storeFailure(`${what}.${field} has unknown value ${JSON.stringify(v)}`);
  return v as T;
}

function metadata(value: unknown, what: string): Record<string, string> {
  const o = object(value, `${what}.metadata`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== "string") throw storeFailure(`${what}.metadata.${k} is not a string`);
    out[k] = v;
  }
  return out;
}

export function parseEndpointRecord(value: unknown, what = "endpoint"): EndpointRecord {
  const o = object(value, what);
  if (typeof o.adminDrained !== "boolean") throw storeFailure(`${what}.adminDrained is not a boolean`);
  return {
    id: str(o, "id", what),
    service: str(o, "service", what),
    host: str(o, "host", what),
    port: num(o, "port", what),
    zone: str(o, "zone", what),
    weight: num(o, "weight", what),
    metadata: metadata(o.metadata, what),
    reportedHealth: oneOf<Health>(o, "reportedHealth", HEALTH, what),
    adminDrained: o.adminDrained,
    leaseId: str(o, "leaseId", what),
    ttlMs: num(o, "ttlMs", what),
    registeredAtMs: num(o, "registeredAtMs", what),
    renewedAtMs: num(o, "renewedAtMs", what),
    expiresAtMs: num(o, "expiresAtMs", what),
  };
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw storeFailure(`${what} is not valid JSON`, error);
  }
}

export function parseChange(text: string): Change {
  const o = object(parseJson(text, "change"), "change");
  const service = str(o, "service", "change");
  const version = num(o, "version", "change");
  switch (o.kind) {
    case "endpoint_upserted":
      return { kind: o.kind, service, version, endpoint: parseEndpointRecord(o.endpoint, "change.endpoint") };
    case "endpoint_removed":
      return {
        kind: o.kind,
        service,
        version,
        endpointId: str(o, "endpointId", "change"),
        reason: oneOf<RemovalReason>(o, "reason", REASONS, "change"),
      };
    case "policy_set":
      return { kind: o.kind, service, version, policy: Policy.fromJSON(object(o.policy, "change.policy")) };
    case "policy_deleted":
    case "routes_deleted":
      return { kind: o.kind, service, version };
    case "routes_set":
      return {
        kind: o.kind,
        service,
        version,
        routes: routesFromJson(object(o.routes, "change.routes"), version),
      };
    case "rollout_stage":
      return {
        kind: o.kind,
        service,
        version,
        overlay:
          o.overlay === null || o.overlay === undefined ? undefined : overlayFromJson(o.overlay, version),
      };
    default:
      throw storeFailure(`change has unknown kind ${JSON.stringify(o.kind)}`);
  }
}
