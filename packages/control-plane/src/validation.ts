/**
 * Checks of request fields. Each check returns a Result naming the proto field it failed on;
 * handlers turn a failure into INVALID_ARGUMENT with `expect()`.
 */
import { isIP } from "node:net";
import {
  isServiceName,
  quote,
  type ResolvedRouteTable,
  type Result,
  SERVICE_NAME_MAX_LENGTH,
  validateRouteTable,
} from "@switchboard/core";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { invalidArgument } from "./errors.js";

export interface FieldViolation {
  readonly field: string;
  readonly message: string;
}

export type Checked<T> = Result<T, FieldViolation>;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (field: string, message: string): Checked<never> => ({ ok: false, error: { field, message } });

/** Unwraps a check, throwing INVALID_ARGUMENT "<field>: <message>" on failure. */
export function expect<T>(result: Checked<T>): T {
  if (!result.ok) throw invalidArgument(result.error.field, result.error.message);
  return result.value;
}

const NAME_RE = /^[A-Za-z0-9._-]+$/;

/** Mesh service name (core's `isServiceName`: 1..128 of [A-Za-z0-9._-]). */
export function checkServiceName(value: string, field = "service"): Checked<string> {
  if (value.length === 0) return fail(field, 'is required (a mesh service name such as "user-service")');
  if (!isServiceName(value)) {
    return fail(
      field,
      `must be 1..${SERVICE_NAME_MAX_LENGTH} characters of [A-Za-z0-9._-] (got ${quote(value)})`,
    );
  }
  return ok(value);
}

/** A route table for `service` (core's `validateRouteTable`, under `field`), which must not
 * send calls to `service` itself as another service (a loop: a subset does that). */
export function checkRouteTable(
  service: string,
  routes: RouteTable | undefined,
  field = "routes",
): Checked<ResolvedRouteTable> {
  if (routes === undefined) return fail(field, "is required (DeleteRoutes removes a route table)");
  const checked = validateRouteTable(routes, field);
  if (!checked.ok) return checked;
  for (const [i, rule] of checked.value.rules.entries()) {
    for (const [j, d] of rule.destinations.entries()) {
      if (d.target.kind === "service" && d.target.service === service) {
        return fail(
          `${field}.rules[${i}].destinations[${j}].service`,
          `${quote(service)} is the service this table routes; name a subset of it instead (a service routed to itself loops)`,
        );
      }
    }
  }
  return checked;
}

/** Zone: 0..64 of [A-Za-z0-9._-]. */
export function checkZone(value: string, field = "zone"): Checked<string> {
  if (value.length === 0) return ok(value);
  if (value.length > 64 || !NAME_RE.test(value)) {
    return fail(field, `must be at most 64 characters of [A-Za-z0-9._-] (got ${quote(value)})`);
  }
  return ok(value);
}

const LABEL_RE = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** An IP address (v4, or v6 with or without brackets) or a DNS name of at most 253 characters.
 * Returns the host without brackets. */
export function checkHost(value: string, field = "host"): Checked<string> {
  if (value.length === 0) return fail(field, "is required (the IP address or DNS name clients dial)");
  const bare = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  if (isIP(bare) !== 0) return ok(bare);
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  const labels = name.split(".");
  if (name.length > 253 || labels.some((l) => !LABEL_RE.test(l)) || /^[0-9.]+$/.test(name)) {
    return fail(field, `must be an IP address or a DNS name of at most 253 characters (got ${quote(value)})`);
  }
  return ok(name);
}

export function checkPort(value: number, field = "port"): Checked<number> {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    return fail(field, `must be between 1 and 65535 (got ${value})`);
  }
  return ok(value);
}

/** 0 means 1; otherwise 1..1000. */
export function checkWeight(value: number, field = "weight"): Checked<number> {
  if (value === 0) return ok(1);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    return fail(field, `must be between 1 and 1000, or 0 for the default 1 (got ${value})`);
  }
  return ok(value);
}

export const METADATA_LIMITS = { maxEntries: 32, maxKeyLength: 63, maxValueLength: 512, maxTotalBytes: 4096 };

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function checkMetadata(
  value: Readonly<Record<string, string>>,
  field = "metadata",
): Checked<Record<string, string>> {
  const entries = Object.entries(value);
  const L = METADATA_LIMITS;
  if (entries.length > L.maxEntries)
    return fail(field, `has ${entries.length} entries; at most ${L.maxEntries}`);
  let total = 0;
  for (const [key, v] of entries) {
    const f = `${field}[${quote(key, 32)}]`;
    if (key.length === 0 || key.length > L.maxKeyLength || CONTROL_RE.test(key)) {
      return fail(f, `key must be 1..${L.maxKeyLength} printable characters`);
    }
    if (v.length > L.maxValueLength)
      return fail(f, `value has ${v.length} characters; at most ${L.maxValueLength}`);
    total += Buffer.byteLength(key) + Buffer.byteLength(v);
  }
  if (total > L.maxTotalBytes)
    return fail(field, `has ${total} bytes of keys and values; at most ${L.maxTotalBytes}`);
  return ok({ ...value });
}

const ENDPOINT_ID_RE = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):([0-9]{1,5})$/;

/** "host:port" (IPv6 hosts in brackets), as in Endpoint.id. */
export function checkEndpointId(value: string, field = "endpoint_id"): Checked<string> {
  if (value.length === 0) return fail(field, 'is required ("host:port", as GetService lists it)');
  const m = value.length <= 262 ? ENDPOINT_ID_RE.exec(value) : null;
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    return fail(field, `must be "host:port" as GetService lists it (got ${quote(value)})`);
  }
  return ok(value);
}

/** Opaque lease handle from RegisterResponse.lease_id. */
export function checkLeaseId(value: string, field = "lease_id"): Checked<string> {
  if (value.length === 0) return fail(field, "is required (the lease_id Register returned)");
  if (value.length > 256 || CONTROL_RE.test(value))
    return fail(field, "is not a lease id this server issued");
  return ok(value);
}

/** Hello.client_id: 1..256 printable characters. */
export function checkClientId(value: string, field = "hello.client_id"): Checked<string> {
  if (value.length === 0) return fail(field, "is required (a stable id of the client process)");
  if (value.length > 256 || CONTROL_RE.test(value)) return fail(field, "must be 1..256 printable characters");
  return ok(value);
}

/** A short free-form label (SDK version, ...). */
export function checkLabel(value: string, field: string, max = 128): Checked<string> {
  if (value.length > max || CONTROL_RE.test(value))
    return fail(field, `must be at most ${max} printable characters`);
  return ok(value);
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** request_id of a mutating request: empty (none) or 1..128 of [A-Za-z0-9._:-]. */
export function checkRequestId(value: string, field = "request_id"): Checked<string | undefined> {
  if (value === "") return ok(undefined);
  if (!REQUEST_ID_RE.test(value)) return fail(field, "must be 1..128 of [A-Za-z0-9._:-] (a UUID, say)");
  return ok(value);
}

/** The store options of a request carrying `request_id` (INVALID_ARGUMENT when malformed). */
export function requestOptions(req: { readonly requestId?: string }): { readonly requestId?: string } {
  const requestId = expect(checkRequestId(req.requestId ?? ""));
  return requestId === undefined ? {} : { requestId };
}
