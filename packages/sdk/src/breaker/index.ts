export { AnyOf, createTripStrategy } from "./any-of.js";
export type {
  BreakerPermit,
  BreakerSnapshot,
  BreakerState,
  BreakerStateChange,
  CircuitBreakerOptions,
} from "./circuit-breaker.js";
export { CircuitBreaker } from "./circuit-breaker.js";
export { ConsecutiveFailures } from "./consecutive-failures.js";
export type { CallOutcome } from "./outcome.js";
export { classifyOutcome, isSlowCall } from "./outcome.js";
export type { OutlierEvent } from "./outlier-detector.js";
export { OutlierDetector } from "./outlier-detector.js";
export type { TripStrategy } from "./trip-strategy.js";
export { WindowedRates } from "./windowed-rates.js";
