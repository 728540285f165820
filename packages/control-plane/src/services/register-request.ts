import { healthFromProto } from "@switchboard/core";
import type { RegisterRequest } from "@switchboard/core/gen/switchboard/v1/registration.js";
import type { RegisterInput } from "../store/types.js";
import {
  type Checked,
  checkHost,
  checkLeaseId,
  checkMetadata,
  checkPort,
  checkServiceName,
  checkWeight,
  checkZone,
  expect,
  requestOptions,
} from "../validation.js";

export interface LeaseLimits {
  /** TTL granted when the request asks for none. */
  readonly defaultLeaseTtlMs: number;
  readonly minLeaseTtlMs: number;
  readonly maxLeaseTtlMs: number;
  readonly maxEndpointsPerService: number;
}

/** The TTL to grant: 0 means the default; anything else is clamped to the bounds. */
export function grantedTtlMs(requested: number, limits: LeaseLimits): number {
  if (requested === 0) return limits.defaultLeaseTtlMs;
  return Math.min(limits.maxLeaseTtlMs, Math.max(limits.minLeaseTtlMs, requested));
}

function checkHealth(value: number): Checked<RegisterInput["health"]> {
  const h = healthFromProto(value);
  if (h === "invalid")
    return { ok: false, error: { field: "health", message: `unknown health status ${value}` } };
  return { ok: true, value: h ?? "SERVING" };
}

/** Checks every field of a RegisterRequest (INVALID_ARGUMENT naming the first bad one). */
export function toRegisterInput(req: RegisterRequest, limits: LeaseLimits): RegisterInput {
  return {
    service: expect(checkServiceName(req.service)),
    host: expect(checkHost(req.host)),
    port: expect(checkPort(req.port)),
    zone: expect(checkZone(req.zone)),
    weight: expect(checkWeight(req.weight)),
    metadata: expect(checkMetadata(req.metadata ?? {})),
    health: expect(checkHealth(req.health)),
    ttlMs: grantedTtlMs(req.ttlMs, limits),
    maxEndpointsPerService: limits.maxEndpointsPerService,
    replacesLeaseId: req.replacesLeaseId
      ? expect(checkLeaseId(req.replacesLeaseId, "replaces_lease_id"))
      : undefined,
    ...requestOptions(req),
  };
}
