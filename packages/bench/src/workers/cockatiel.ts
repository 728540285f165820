/**
 * What a user writes by hand without a mesh: cockatiel retry (UNAVAILABLE, exponential backoff,
 * 2 retries = 3 attempts) around a consecutive-failure circuit breaker, around each grpc-js call.
 * The same failure codes and attempt count as the mesh policy of the data-path benchmark.
 */
import { status } from "@grpc/grpc-js";
import { ConsecutiveBreaker, circuitBreaker, ExponentialBackoff, handleWhen, retry, wrap } from "cockatiel";
import { type EchoCall, isServiceError } from "../lib/echo.js";

const FAILURE_CODES = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.INTERNAL,
  status.UNKNOWN,
]);

export function withCockatiel(call: EchoCall): EchoCall {
  const retryPolicy = retry(
    handleWhen((e) => isServiceError(e) && e.code === status.UNAVAILABLE),
    { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 250 }) },
  );
  const breakerPolicy = circuitBreaker(
    handleWhen((e) => isServiceError(e) && FAILURE_CODES.has(e.code)),
    { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) },
  );
  const policy = wrap(retryPolicy, breakerPolicy);
  return () => policy.execute(() => call());
}
