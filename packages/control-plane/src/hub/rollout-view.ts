/**
 * What a staged rollout changes in what one subscriber receives: the service's endpoints are
 * shared by everyone, while its policy and route table are the rollout's candidate for the
 * clients in the cohort (core's `stickyBucket(clientId)` below the stage's `cohortBuckets`) and
 * the service's own (the baseline) for every other client. xDS subscribers carry no bucket and
 * always get the baseline.
 */
import type { ServiceDelta, ServiceSnapshot } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { Change, RolloutOverlay } from "../store/types.js";

/** The two kinds of subscriber a service under rollout has. */
export type Variant = "baseline" | "cohort";

/** Which config `bucket` (undefined: an xDS subscriber) runs under `overlay`. */
export function variantOf(overlay: RolloutOverlay | undefined, bucket: number | undefined): Variant {
  return overlay !== undefined && bucket !== undefined && bucket < overlay.cohortBuckets
    ? "cohort"
    : "baseline";
}

/** The service's own policy and routes, as a service entry holds them. */
export interface BaselineConfig {
  readonly policy: Policy | undefined;
  readonly routes: RouteTable | undefined;
  readonly rollout: RolloutOverlay | undefined;
}

export interface DeliveredConfig {
  readonly policy: Policy | undefined;
  readonly routes: RouteTable | undefined;
}

/** What a subscriber of `variant` runs: the candidate's parts where the overlay has them. */
export function deliveredConfig(base: BaselineConfig, variant: Variant): DeliveredConfig {
  const overlay = variant === "cohort" ? base.rollout : undefined;
  return { policy: overlay?.policy ?? base.policy, routes: overlay?.routes ?? base.routes };
}

/** A snapshot of the baseline, with the variant's policy and routes. */
export function snapshotFor(snapshot: ServiceSnapshot, config: DeliveredConfig): ServiceSnapshot {
  return { ...snapshot, policy: config.policy, routes: config.routes };
}

/**
 * A delta folded from the service's changes, with the variant's policy and routes. A range with
 * a stage change (the cohort moved, so the client may have changed sides) carries both in full;
 * otherwise a cohort client's policy or route update is the candidate's.
 */
export function deltaFor(
  delta: ServiceDelta,
  changes: readonly Change[],
  config: DeliveredConfig,
  variant: Variant,
): ServiceDelta {
  if (changes.some((c) => c.kind === "rollout_stage")) {
    return { ...delta, policyUpdate: { policy: config.policy }, routeUpdate: { routes: config.routes } };
  }
  if (variant === "baseline") return delta;
  return {
    ...delta,
    policyUpdate: delta.policyUpdate && { policy: config.policy },
    routeUpdate: delta.routeUpdate && { routes: config.routes },
  };
}
