import { performance } from "node:perf_hooks";
import type { Metadata } from "@grpc/grpc-js";
import type { Attributes, Context, Span } from "@opentelemetry/api";
import { statusName } from "@switchboard/core";
import { ATTR, type ClientInstruments, clientInstruments, spanName } from "./grpc-instruments.js";
import { METADATA_SETTER } from "./metadata-carrier.js";
import type { TelemetrySinks } from "./providers.js";

const OK = 0;

/** What is fixed per (target, method): attributes and span names, built once. */
interface MethodAttributes {
  readonly method: string;
  readonly target: string;
  readonly base: Attributes;
  readonly callSpan: string;
  readonly attemptSpan: string;
  /** `base` plus grpc.status, per status code, built on first use. */
  readonly byStatus: Attributes[];
}

function withStatus(m: MethodAttributes, code: number): Attributes {
  let attributes = m.byStatus[code];
  if (!attributes) {
    attributes = { ...m.base, [ATTR.status]: statusName(code) };
    if (code >= 0 && code < 64) m.byStatus[code] = attributes;
  }
  return attributes;
}

/**
 * A mesh client's OpenTelemetry side: gRFC A66 client instruments and, with a tracer, a CLIENT
 * span per call and a child span per attempt whose context goes out in the attempt's metadata.
 * Exists only when a MeterProvider or TracerProvider does; otherwise the per-call path never
 * reaches this module.
 */
export class ClientTelemetry {
  readonly instruments: ClientInstruments | undefined;
  private readonly byTarget = new Map<string, Map<string, MethodAttributes>>();

  constructor(readonly sinks: TelemetrySinks) {
    this.instruments = sinks.meter ? clientInstruments(sinks.meter) : undefined;
  }

  /** A call to `path` ("/pkg.Service/Method") on the channel for `target` ("mesh:///svc") begins. */
  startCall(path: string, target: string): CallTelemetry {
    return new CallTelemetry(this, this.attributes(path, target));
  }

  private attributes(path: string, target: string): MethodAttributes {
    let methods = this.byTarget.get(target);
    if (!methods) {
      methods = new Map();
      this.byTarget.set(target, methods);
    }
    let m = methods.get(path);
    if (!m) {
      const method = path.startsWith("/") ? path.slice(1) : path;
      const name = spanName(path);
      m = {
        method,
        target,
        base: { [ATTR.method]: method, [ATTR.target]: target },
        callSpan: name,
        attemptSpan: `Attempt.${name}`,
        byStatus: [],
      };
      methods.set(path, m);
    }
    return m;
  }
}

/** One call: its duration, its CLIENT span, its attempts. */
export class CallTelemetry {
  /**
   * The route destination the call was sent to, when the service's policy routes calls; adds
   * `switchboard.route` to the call's and its attempts' metrics and spans. Set by routing before
   * the first attempt; undefined otherwise.
   */
  route: string | undefined = undefined;
  private attempts = 0;
  private ended = false;
  private readonly startMs = performance.now();
  private readonly parent: Context;
  private readonly span: Span | undefined;

  constructor(
    private readonly owner: ClientTelemetry,
    private readonly m: MethodAttributes,
  ) {
    const { api, tracer } = owner.sinks;
    this.parent = api.context.active();
    this.span = tracer?.startSpan(
      m.callSpan,
      { kind: api.SpanKind.CLIENT, attributes: { "rpc.system": "grpc", ...m.base } },
      this.parent,
    );
  }

  /**
   * An attempt is about to go out to `endpoint` with `metadata`: counts it, opens its span and
   * writes the span's context into the metadata.
   */
  startAttempt(endpoint: string, metadata: Metadata): AttemptTelemetry {
    const previous = this.attempts++;
    const attributes: Attributes = {
      ...this.m.base,
      [ATTR.endpoint]: endpoint,
      [ATTR.attempt]: previous,
    };
    if (this.route !== undefined) attributes[ATTR.route] = this.route;
    this.owner.instruments?.attemptStarted.add(1, attributes);
    const { api, tracer, propagator } = this.owner.sinks;
    let span: Span | undefined;
    if (tracer && this.span) {
      const callContext = api.trace.setSpan(this.parent, this.span);
      span = tracer.startSpan(
        this.m.attemptSpan,
        { attributes: { "previous-rpc-attempts": previous, [ATTR.endpoint]: endpoint } },
        callContext,
      );
      propagator.inject(api.trace.setSpan(callContext, span), metadata, METADATA_SETTER);
    }
    return new AttemptTelemetry(this.owner, attributes, span);
  }

  /** The call ended with `code` (after every attempt). */
  end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    const seconds = (performance.now() - this.startMs) / 1000;
    let attributes = withStatus(this.m, code);
    if (this.route !== undefined) attributes = { ...attributes, [ATTR.route]: this.route };
    this.owner.instruments?.callDuration.record(seconds, attributes);
    endSpan(this.owner, this.span, code);
  }
}

/** One attempt: its duration, the message bytes it sent and received, its span. */
export class AttemptTelemetry {
  private sentBytes = 0;
  private receivedBytes = 0;
  private ended = false;
  private readonly startMs = performance.now();

  constructor(
    private readonly owner: ClientTelemetry,
    private readonly attributes: Attributes,
    private readonly span: Span | undefined,
  ) {}

  sent(bytes: number): void {
    this.sentBytes += bytes;
  }

  received(bytes: number): void {
    this.receivedBytes += bytes;
  }

  end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    const instruments = this.owner.instruments;
    if (instruments) {
      const attributes = { ...this.attributes, [ATTR.status]: statusName(code) };
      instruments.attemptDuration.record((performance.now() - this.startMs) / 1000, attributes);
      instruments.attemptSentBytes.record(this.sentBytes, attributes);
      instruments.attemptReceivedBytes.record(this.receivedBytes, attributes);
    }
    endSpan(this.owner, this.span, code);
  }
}

function endSpan(owner: ClientTelemetry, span: Span | undefined, code: number): void {
  if (!span) return;
  span.setAttribute("rpc.grpc.status_code", code);
  if (code !== OK) span.setStatus({ code: owner.sinks.api.SpanStatusCode.ERROR, message: statusName(code) });
  span.end();
}
