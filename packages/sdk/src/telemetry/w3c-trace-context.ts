import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from "@opentelemetry/api";
import type { OtelApi } from "./otel-api.js";

const TRACEPARENT = "traceparent";
const TRACESTATE = "tracestate";
const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * W3C trace context (`traceparent`, `tracestate`), used when the application registered no
 * global propagator, so a mesh client and a mesh server always agree on one.
 */
export function W3C_TRACE_CONTEXT(api: OtelApi): TextMapPropagator {
  return {
    inject(context: Context, carrier: unknown, setter: TextMapSetter) {
      const span = api.trace.getSpanContext(context);
      if (!span || !api.isSpanContextValid(span)) return;
      const flags = (span.traceFlags & 0xff).toString(16).padStart(2, "0");
      setter.set(carrier, TRACEPARENT, `00-${span.traceId}-${span.spanId}-${flags}`);
      const state = span.traceState?.serialize();
      if (state) setter.set(carrier, TRACESTATE, state);
    },
    extract(context: Context, carrier: unknown, getter: TextMapGetter) {
      const raw = getter.get(carrier, TRACEPARENT);
      const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
      const m = value ? TRACEPARENT_RE.exec(value) : null;
      if (!m) return context;
      const state = getter.get(carrier, TRACESTATE);
      const stateValue = Array.isArray(state) ? state.join(",") : state;
      const spanContext = {
        traceId: m[1] as string,
        spanId: m[2] as string,
        traceFlags: Number.parseInt(m[3] as string, 16),
        isRemote: true,
        traceState: stateValue ? api.createTraceState(stateValue) : undefined,
      };
      if (!api.isSpanContextValid(spanContext)) return context;
      return api.trace.setSpanContext(context, spanContext);
    },
    fields: () => [TRACEPARENT, TRACESTATE],
  };
}
