import type { Meter, TextMapPropagator, Tracer } from "@opentelemetry/api";
import type { OtelApi } from "./otel-api.js";
import type { MeterProviderLike, TelemetryProviders, TracerProviderLike } from "./provider-types.js";
import { W3C_TRACE_CONTEXT } from "./w3c-trace-context.js";

/** What a mesh client or server emits to: each part undefined when there is nothing to emit to. */
export interface TelemetrySinks {
  readonly api: OtelApi;
  readonly meter: Meter | undefined;
  readonly tracer: Tracer | undefined;
  /** The global propagator, or W3C trace context when none is registered. */
  readonly propagator: TextMapPropagator;
}

export const INSTRUMENTATION_SCOPE = "@switchboard/sdk";

/**
 * The meter and tracer to use: the providers passed in, else the global ones when the
 * application registered any (the API's no-op defaults count as none). Undefined when neither
 * exists, so the per-call path stays as it is without OpenTelemetry.
 */
export function resolveSinks(
  api: OtelApi | undefined,
  providers: TelemetryProviders,
  version: string,
): TelemetrySinks | undefined {
  if (!api) return undefined;
  const meter = meterFrom(api, providers.meterProvider, version);
  const tracer = tracerFrom(api, providers.tracerProvider, version);
  if (!meter && !tracer) return undefined;
  const global = api.propagation;
  const propagator = global.fields().length > 0 ? global : W3C_TRACE_CONTEXT(api);
  return { api, meter, tracer, propagator };
}

function meterFrom(api: OtelApi, given: MeterProviderLike | undefined, version: string): Meter | undefined {
  if (given) return given.getMeter(INSTRUMENTATION_SCOPE, version) as Meter;
  const meter = api.metrics.getMeterProvider().getMeter(INSTRUMENTATION_SCOPE, version);
  return meter === api.createNoopMeter() ? undefined : meter;
}

function tracerFrom(
  api: OtelApi,
  given: TracerProviderLike | undefined,
  version: string,
): Tracer | undefined {
  if (given) return given.getTracer(INSTRUMENTATION_SCOPE, version) as Tracer;
  const global = api.trace.getTracerProvider() as Partial<InstanceType<OtelApi["ProxyTracerProvider"]>>;
  if (typeof global.getDelegateTracer === "function")
    return global.getDelegateTracer(INSTRUMENTATION_SCOPE, version);
  return api.trace.getTracer(INSTRUMENTATION_SCOPE, version);
}
