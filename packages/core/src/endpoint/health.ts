import { HealthStatus } from "../gen/switchboard/v1/types.js";

/** An endpoint's health as both sides name it. */
export type Health = "SERVING" | "NOT_SERVING" | "DRAINING";

export const HEALTH_VALUES: readonly Health[] = ["SERVING", "NOT_SERVING", "DRAINING"];

const HEALTH_TO_PROTO: Readonly<Record<Health, HealthStatus>> = {
  SERVING: HealthStatus.HEALTH_STATUS_SERVING,
  NOT_SERVING: HealthStatus.HEALTH_STATUS_NOT_SERVING,
  DRAINING: HealthStatus.HEALTH_STATUS_DRAINING,
};

export function healthToProto(health: Health): HealthStatus {
  return HEALTH_TO_PROTO[health];
}

/** UNSPECIFIED maps to undefined ("unchanged" / "default"); an unknown number to "invalid". */
export function healthFromProto(value: HealthStatus): Health | undefined | "invalid" {
  switch (value) {
    case HealthStatus.HEALTH_STATUS_UNSPECIFIED:
      return undefined;
    case HealthStatus.HEALTH_STATUS_SERVING:
      return "SERVING";
    case HealthStatus.HEALTH_STATUS_NOT_SERVING:
      return "NOT_SERVING";
    case HealthStatus.HEALTH_STATUS_DRAINING:
      return "DRAINING";
    default:
      return "invalid";
  }
}

/** The health clients route on: an endpoint an operator drains is DRAINING whatever it reports. */
export function effectiveHealth(e: {
  readonly adminDrained: boolean;
  readonly reportedHealth: Health;
}): Health {
  return e.adminDrained ? "DRAINING" : e.reportedHealth;
}
