// OpenTelemetry for mesh clients and servers: optional, loaded only when `@opentelemetry/api` is
// installed and a MeterProvider or TracerProvider exists.
import { SDK_VERSION } from "../version.js";
import { ClientTelemetry } from "./client-telemetry.js";
import { loadOtelApi } from "./otel-api.js";
import type { TelemetryProviders } from "./provider-types.js";
import { resolveSinks } from "./providers.js";
import { ServerTelemetry } from "./server-telemetry.js";

export { AttemptTelemetrySubchannel } from "./attempt-subchannel.js";
export type { AttemptTelemetry, CallTelemetry, ClientTelemetry } from "./client-telemetry.js";
export type { MeterProviderLike, TelemetryProviders, TracerProviderLike } from "./provider-types.js";
export type { ServerTelemetry } from "./server-telemetry.js";

/** A mesh client's telemetry, or undefined when there is no provider to emit to. */
export function createClientTelemetry(providers: TelemetryProviders): ClientTelemetry | undefined {
  const sinks = resolveSinks(loadOtelApi(), providers, SDK_VERSION);
  return sinks ? new ClientTelemetry(sinks) : undefined;
}

/** A mesh server's telemetry, or undefined when there is no provider to emit to. */
export function createServerTelemetry(providers: TelemetryProviders): ServerTelemetry | undefined {
  const sinks = resolveSinks(loadOtelApi(), providers, SDK_VERSION);
  return sinks ? new ServerTelemetry(sinks) : undefined;
}
