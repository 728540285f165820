import { performance } from "node:perf_hooks";
import {
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServiceDefinition,
  status,
} from "@grpc/grpc-js";
import type { Attributes, Context, Span } from "@opentelemetry/api";
import { statusName } from "@switchboard/core";
import { ATTR, type ServerInstruments, serverInstruments, spanName } from "./grpc-instruments.js";
import { METADATA_GETTER } from "./metadata-carrier.js";
import type { TelemetrySinks } from "./providers.js";

/** Per served method: attributes and span name, built once. */
interface ServedMethod {
  readonly base: Attributes;
  readonly span: string;
  readonly byStatus: Attributes[];
}

/** Size of each request message as it was read, by the message object it was decoded into. */
const receivedSizes = new WeakMap<object, number>();
/** The call whose response is being serialised right now (grpc-js serialises synchronously). */
let sending: ServerCall | undefined;

class ServerCall {
  sentBytes = 0;
  receivedBytes = 0;
  context: Context | undefined;
  private span: Span | undefined;
  private ended = false;
  private readonly startMs = performance.now();

  constructor(
    private readonly owner: ServerTelemetry,
    private readonly m: ServedMethod,
  ) {
    owner.instruments?.callStarted.add(1, m.base);
  }

  /** Continues the caller's trace: a SERVER span, child of the attempt that sent this call. */
  begin(metadata: Metadata): void {
    const { api, tracer, propagator } = this.owner.sinks;
    if (!tracer) return;
    const parent = propagator.extract(api.ROOT_CONTEXT, metadata, METADATA_GETTER);
    this.span = tracer.startSpan(
      this.m.span,
      { kind: api.SpanKind.SERVER, attributes: { "rpc.system": "grpc", ...this.m.base } },
      parent,
    );
    this.context = api.trace.setSpan(parent, this.span);
  }

  /** Runs `next` (and so the handler) with the call's span active. */
  run(next: () => void): void {
    if (this.context) this.owner.sinks.api.context.with(this.context, next);
    else next();
  }

  end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    const instruments = this.owner.instruments;
    if (instruments) {
      let attributes = this.m.byStatus[code];
      if (!attributes) {
        attributes = { ...this.m.base, [ATTR.status]: statusName(code) };
        if (code >= 0 && code < 64) this.m.byStatus[code] = attributes;
      }
      instruments.callDuration.record((performance.now() - this.startMs) / 1000, attributes);
      instruments.sentBytes.record(this.sentBytes, attributes);
      instruments.receivedBytes.record(this.receivedBytes, attributes);
    }
    const span = this.span;
    if (span) {
      span.setAttribute("rpc.grpc.status_code", code);
      if (code !== status.OK) {
        span.setStatus({ code: this.owner.sinks.api.SpanStatusCode.ERROR, message: statusName(code) });
      }
      span.end();
    }
  }
}

/**
 * A mesh server's OpenTelemetry side: gRFC A66 server instruments and, with a tracer, a SERVER
 * span per call continuing the caller's trace, active while the handler runs. Exists only when a
 * MeterProvider or TracerProvider does.
 */
export class ServerTelemetry {
  readonly instruments: ServerInstruments | undefined;
  private readonly methods = new Map<string, ServedMethod>();

  constructor(readonly sinks: TelemetrySinks) {
    this.instruments = sinks.meter ? serverInstruments(sinks.meter) : undefined;
  }

  /** The first interceptor of the server, so every later one and the handler run in the call's context. */
  readonly interceptor: ServerInterceptor = (definition, next) => {
    const call = new ServerCall(this, this.method(definition.path));
    return new ServerInterceptingCall(next, {
      start: (startNext) => {
        startNext({
          onReceiveMetadata: (metadata, n) => {
            call.begin(metadata);
            call.run(() => n(metadata));
          },
          onReceiveMessage: (message, n) => {
            if (message !== null && typeof message === "object")
              call.receivedBytes += receivedSizes.get(message) ?? 0;
            call.run(() => n(message));
          },
          onReceiveHalfClose: (n) => call.run(n),
          onCancel: () => call.end(status.CANCELLED),
        });
      },
      sendMessage: (message, n) => {
        const previous = sending;
        sending = call;
        try {
          n(message);
        } finally {
          sending = previous;
        }
      },
      sendStatus: (s, n) => {
        call.end(s.code);
        n(s);
      },
    });
  };

  /**
   * The service with serialisers that count message bytes for the size instruments (the
   * grpc-js server does not compress responses, and hands requests over decompressed, so these
   * are the sizes on the wire unless a client compressed its requests).
   */
  countingSizes(service: ServiceDefinition): ServiceDefinition {
    if (!this.instruments) return service;
    const out: Record<string, ServiceDefinition[string]> = {};
    for (const [name, m] of Object.entries(service)) {
      out[name] = {
        ...m,
        responseSerialize: (value: unknown) => {
          const bytes = m.responseSerialize(value);
          if (sending) sending.sentBytes += bytes.length;
          return bytes;
        },
        requestDeserialize: (bytes: Buffer) => {
          const value = m.requestDeserialize(bytes);
          if (value !== null && typeof value === "object") receivedSizes.set(value, bytes.length);
          return value;
        },
      };
    }
    return out as ServiceDefinition;
  }

  private method(path: string): ServedMethod {
    let m = this.methods.get(path);
    if (!m) {
      const method = path.startsWith("/") ? path.slice(1) : path;
      m = { base: { [ATTR.method]: method }, span: spanName(path), byStatus: [] };
      this.methods.set(path, m);
    }
    return m;
  }
}
