// `@switchboard/sdk/internals`: the SDK's building blocks, for tools, benchmarks and tests that
// drive them directly. Each is a state machine that takes a `Clock`, so a `FakeClock` can drive
// it. Not part of the user API: names here may change between minor versions.

export {
  FakeClock,
  monotonicClock,
  policyForMethod,
  statusFromName,
  statusName,
  systemClock,
} from "@switchboard/core";
export type {
  BalancerDeps,
  BalancerPicker,
  Pickable,
  PickContext,
  ZoneAccess,
  ZoneSelection,
} from "./balancer/index.js";
export { createBalancer, EndpointLoad, preferLocalZone } from "./balancer/index.js";
export type {
  BreakerSnapshot,
  BreakerState,
  BreakerStateChange,
  CallOutcome,
  OutlierEvent,
} from "./breaker/index.js";
export { CircuitBreaker, classifyOutcome, OutlierDetector } from "./breaker/index.js";
export { SINGLE_RESPONSE_HEADER } from "./grpc/single-response.js";
export { MethodCounters } from "./metrics/method-counters.js";
export { TokenBucket } from "./ratelimit/index.js";
export { buildClientReport } from "./report/build-report.js";
export { RetryBudget } from "./retry/index.js";
export { createRouter } from "./route/create-router.js";
export type { RouteDestination, Router } from "./route/router.js";
export { CallStats, CallStatsTable, LatencyHistogram } from "./stats/index.js";
export { createClientTelemetry } from "./telemetry/index.js";
