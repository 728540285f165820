import { status } from "@grpc/grpc-js";
import type { ResolvedBreakerConfig } from "@switchboard/core";

/** How a call's end counts for a breaker. */
export type CallOutcome = "success" | "failure" | "ignore";

/**
 * How a call that ended with status `code` counts: a code listed in `failureCodes` is a
 * failure; CANCELLED is ignored even if listed, because the caller gave up and the endpoint
 * said nothing about its health; every other code (OK, NOT_FOUND, ...) is a success, as the
 * endpoint answered. Whether the call was slow is judged apart, by `isSlowCall`.
 */
export function classifyOutcome(
  code: number,
  config: Pick<ResolvedBreakerConfig, "failureCodes">,
): CallOutcome {
  if (code === status.CANCELLED) return "ignore";
  return config.failureCodes.has(code) ? "failure" : "success";
}

/** True when the slow-call trigger is on and a call of `durationMs` is slower than its threshold. */
export function isSlowCall(durationMs: number, config: Pick<ResolvedBreakerConfig, "slowCallMs">): boolean {
  return config.slowCallMs > 0 && durationMs > config.slowCallMs;
}
