import type { JsonObject } from "@bufbuild/protobuf";

// The user-service policies the demo sets through Admin.SetPolicy, in the proto3 JSON form
// grpcurl takes (`grpcurl -d '{"service":"user-service","policy":…}'`). Fields left out take
// the defaults of proto/switchboard/v1/policy.proto; an absent block turns its feature off.

/** Method key of the GetUser breaker. */
export const GET_USER_METHOD = "demo.user.v1.UserService/GetUser";

/** Phase 1: plain round robin, no retries, no breakers, no ejection. */
export const ROUND_ROBIN_POLICY: JsonObject = {
  loadBalancing: { algorithm: "ALGORITHM_ROUND_ROBIN" },
};

/**
 * Phases 2 and 3: latency-aware balancing, a breaker per endpoint that ejects one failing more
 * than 10% of its last calls (at most half of the endpoints), and up to 3 attempts on
 * UNAVAILABLE, each on another endpoint.
 *
 * The latency average decays in 1 s instead of the default 10 s: peak EWMA takes any sample
 * above the average at once, so on a busy laptop one scheduling hiccup on the healthy instance
 * would otherwise make it look as slow as the slow one for half a minute.
 */
export const RESILIENT_POLICY: JsonObject = {
  loadBalancing: { algorithm: "ALGORITHM_PEAK_EWMA", ewmaDecayMs: 1000 },
  outlierDetection: {
    breaker: {
      consecutiveFailures: 5,
      failureRatePercent: 10,
      windowMs: 5000,
      minimumCalls: 10,
      openDurationMs: 3000,
    },
    maxEjectionPercent: 50,
  },
  retry: { maxAttempts: 3, retryableCodes: ["UNAVAILABLE"], initialBackoffMs: 5, maxBackoffMs: 50 },
};

/** Phase 4: the phase-2 policy plus a breaker on GetUser that opens after 5 failed calls in a row. */
export function breakerPolicy(openDurationMs: number): JsonObject {
  return {
    ...RESILIENT_POLICY,
    methods: {
      [GET_USER_METHOD]: {
        circuitBreaker: {
          consecutiveFailures: 5,
          failureRatePercent: 0,
          openDurationMs,
          halfOpenMaxRequests: 1,
          successThreshold: 1,
        },
      },
    },
  };
}
