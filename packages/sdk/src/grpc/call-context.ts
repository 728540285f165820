import type { Metadata, StatusObject } from "@grpc/grpc-js";
import type { MethodPolicyView } from "@switchboard/core";
import type { RouteDestination } from "../route/router.js";
import type { CallTelemetry } from "../telemetry/index.js";

/**
 * Per-call state shared by every attempt of one call. The config selector creates it and hands
 * it to the picker through the call's pick information (the same object for every attempt), so
 * the picker can tell a retry from a first attempt, avoid endpoints already tried, enforce the
 * retry budget and the deadline, and report the last attempt's status when it stops a retry.
 */
export interface CallContext {
  readonly path: string;
  /** The method's policy, with the matched route rule's timeout and retry in place. */
  readonly method: MethodPolicyView;
  /** Where the route table sends the call; undefined: the whole service (no table, or no rule matched). */
  readonly destination: RouteDestination | undefined;
  readonly startMs: number;
  attemptsStarted: number;
  attemptsEnded: number;
  /** Endpoints earlier attempts failed on (for a retry to prefer another). */
  tried: Set<string> | undefined;
  /** The endpoint of the attempt started last. */
  lastEndpoint: string | undefined;
  /** Status of the last attempt that ended. */
  lastStatus: StatusObject | undefined;
  /** Absolute deadline (ms), learnt from the first attempt's grpc-timeout; Infinity when none. */
  deadlineMs: number | undefined;
  /** Retries the picker let through. */
  retries: number;
  /** OpenTelemetry for this call and its attempts; undefined when no provider exists. */
  readonly telemetry: CallTelemetry | undefined;
}

/** Key of the CallContext in `PickArgs.extraPickInfo` (a symbol: invisible to anything iterating it). */
export const CALL_CONTEXT = Symbol("switchboard.call-context");

export function callContextOf(extraPickInfo: { [key: string]: string }): CallContext | undefined {
  return (extraPickInfo as unknown as { [CALL_CONTEXT]?: CallContext })[CALL_CONTEXT];
}

const TIMEOUT_UNITS_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 1e-6,
};

/**
 * Reads the absolute deadline from an attempt's outgoing metadata. grpc-js writes the call's
 * deadline there as `grpc-timeout` just before it starts the attempt on a subchannel, which is
 * before `onCallStarted` runs; `nowMs` is that moment.
 */
export function deadlineFromMetadata(metadata: Metadata, nowMs: number): number {
  const value = metadata.get("grpc-timeout")[0];
  if (typeof value !== "string" || value.length < 2) return Number.POSITIVE_INFINITY;
  const unit = TIMEOUT_UNITS_MS[value.slice(-1)];
  const amount = Number(value.slice(0, -1));
  if (unit === undefined || !Number.isFinite(amount)) return Number.POSITIVE_INFINITY;
  return nowMs + amount * unit;
}
