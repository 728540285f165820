/**
 * The grpc-js service configs of the grpc-js baselines: round_robin over a static address list,
 * and the same with grpc-js's own retries (retryPolicy) on UNAVAILABLE, with the attempts and
 * backoff of the mesh policy the benchmarks set, so that both retry alike.
 */
import { POLICY_LIMITS } from "@switchboard/core";
import { DATA_PATH_POLICY } from "../benches/policies.js";
import { EchoServiceService } from "./echo.js";

const ROUND_ROBIN = [{ round_robin: {} }];

/** "echo.v1.EchoService", from the generated method path. */
function echoServiceName(): string {
  return EchoServiceService.echo.path.split("/")[1] ?? "";
}

function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

export function roundRobinServiceConfig(withRetries: boolean): string {
  if (!withRetries) return JSON.stringify({ loadBalancingConfig: ROUND_ROBIN });
  const defaults = POLICY_LIMITS.retry;
  const retry = DATA_PATH_POLICY.retry;
  return JSON.stringify({
    loadBalancingConfig: ROUND_ROBIN,
    methodConfig: [
      {
        name: [{ service: echoServiceName() }],
        retryPolicy: {
          maxAttempts: retry?.maxAttempts ?? defaults.maxAttempts.default,
          initialBackoff: seconds(defaults.initialBackoffMs.default),
          maxBackoff: seconds(defaults.maxBackoffMs.default),
          backoffMultiplier: defaults.backoffMultiplier.default,
          retryableStatusCodes: retry?.retryableCodes ?? defaults.retryableCodes.default,
        },
      },
    ],
  });
}
