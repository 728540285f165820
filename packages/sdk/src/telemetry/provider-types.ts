// The providers a user may pass in options, typed without `@opentelemetry/api` so that the
// SDK's public types load when it is not installed.

/**
 * An OpenTelemetry MeterProvider (`@opentelemetry/api`'s `MeterProvider`), typed loosely so the
 * SDK's types do not require `@opentelemetry/api` to be installed.
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: object): unknown;
}

/** An OpenTelemetry TracerProvider (`@opentelemetry/api`'s `TracerProvider`), typed loosely. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string, options?: object): unknown;
}

/** Where the SDK's OpenTelemetry instruments and spans come from. */
export interface TelemetryProviders {
  readonly meterProvider?: MeterProviderLike;
  readonly tracerProvider?: TracerProviderLike;
}
