import { experimental, Metadata, type StatusObject, status } from "@grpc/grpc-js";
import type { Clock } from "@switchboard/core";
import type { BreakerPermit, CircuitBreaker } from "../breaker/circuit-breaker.js";
import type { FailureSources } from "../breaker/failure-sources.js";
import type { MethodRecord } from "../client/method-record.js";
import type { RouteRecord } from "../route/route-record.js";
import type { CallTelemetry } from "../telemetry/index.js";
import type { CallContext } from "./call-context.js";
import { SINGLE_RESPONSE_HEADER } from "./single-response.js";

/** The service/method breaker that let a call through, and how (probe or not). */
export interface AdmittedCall {
  readonly breaker: CircuitBreaker;
  readonly permit: BreakerPermit;
}

/**
 * Per-call filter that sees the call's final status (after every retry): it records the call in
 * stats and metrics and gives the service/method breaker its outcome. grpc-js runs a filter's
 * `receiveTrailers` exactly once per call, however the call ends (status, cancel, deadline).
 *
 * It also completes a call whose answer arrived whole: when a mesh server marked the response as
 * a single message (SINGLE_RESPONSE_HEADER) and that message arrived, the connection dropping
 * before the status (the instance killed between its two writes) cannot mean anything but OK.
 * grpc-js could not retry such a call (it is committed once headers arrive); the caller gets the
 * answer instead of UNAVAILABLE. Only a status the transport made up is completed: one the
 * server sent carries the marker in its trailers and reaches the caller as it is.
 */
class OutcomeFilter extends experimental.BaseFilter {
  private singleResponse = false;
  private answered = false;

  constructor(
    private readonly ctx: CallContext,
    private readonly record: MethodRecord,
    private readonly admitted: AdmittedCall | undefined,
    private readonly sources: FailureSources,
    private readonly clock: Clock,
  ) {
    super();
  }

  override receiveMetadata(metadata: Metadata): Metadata {
    if (metadata.get(SINGLE_RESPONSE_HEADER).length > 0) this.singleResponse = true;
    return metadata;
  }

  override receiveMessage(message: Promise<Buffer>): Promise<Buffer> {
    this.answered = true;
    return message;
  }

  private droppedAfterAnswer(received: StatusObject): boolean {
    return this.singleResponse && this.answered && isTransportDrop(received);
  }

  override receiveTrailers(received: StatusObject): StatusObject {
    const s = this.droppedAfterAnswer(received)
      ? { code: status.OK, details: "", metadata: new Metadata() }
      : received;
    const ctx = this.ctx;
    const latencyMs = this.clock.now() - ctx.startMs;
    this.record.record(s.code, latencyMs, ctx.retries);
    ctx.destination?.record.record(s.code, latencyMs);
    ctx.telemetry?.end(s.code);
    const admitted = this.admitted;
    if (admitted) {
      const { breaker, permit } = admitted;
      // Before the breaker counts it, so its "failures from two endpoints" check sees this one.
      if (breaker.isFailure(s.code)) this.sources.note(attemptedEndpoints(ctx));
      breaker.recordOutcome(s.code, latencyMs, permit);
    }
    return s;
  }
}

/**
 * True for an UNAVAILABLE the client's transport made up (the connection dropped); false for any
 * status a mesh server sent (its trailers carry the marker).
 */
function isTransportDrop(s: StatusObject): boolean {
  return s.code === status.UNAVAILABLE && s.metadata.get(SINGLE_RESPONSE_HEADER).length === 0;
}

/** Every endpoint the call's attempts went to (the last one has not reported its end yet). */
function attemptedEndpoints(ctx: CallContext): string[] {
  const out = ctx.tried ? [...ctx.tried] : [];
  if (ctx.lastEndpoint !== undefined && !out.includes(ctx.lastEndpoint)) out.push(ctx.lastEndpoint);
  return out;
}

export class OutcomeFilterFactory implements experimental.FilterFactory<experimental.Filter> {
  constructor(
    private readonly ctx: CallContext,
    private readonly record: MethodRecord,
    private readonly admitted: AdmittedCall | undefined,
    private readonly sources: FailureSources,
    private readonly clock: Clock,
  ) {}

  createFilter(): experimental.Filter {
    return new OutcomeFilter(this.ctx, this.record, this.admitted, this.sources, this.clock);
  }
}

/**
 * Fails a call before it leaves the process: grpc-js ends the call with the status a filter's
 * `sendMetadata` rejects with. Used for rate limits and open breakers, so the caller gets the
 * code and a message that says why, with no network call.
 */
class RejectFilter extends experimental.BaseFilter {
  constructor(private readonly rejection: StatusObject) {
    super();
  }

  override async sendMetadata(_metadata: Promise<Metadata>): Promise<Metadata> {
    // Fail on a later macrotask, not within this chain of microtasks: a caller that loops on
    // `await call()` must still let I/O and timers run (among them the breaker's own probe).
    await new Promise((resolve) => setImmediate(resolve));
    throw this.rejection;
  }
}

export class RejectFilterFactory implements experimental.FilterFactory<experimental.Filter> {
  constructor(
    private readonly rejection: StatusObject,
    private readonly record: MethodRecord,
    private readonly clock: Clock,
    private readonly startMs: number,
    /** The route rule's destination, when a route matched the call. */
    private readonly route: RouteRecord | undefined,
    private readonly telemetry: CallTelemetry | undefined,
  ) {}

  createFilter(): experimental.Filter {
    const filter = new RejectFilter(this.rejection);
    const { record, clock, startMs, route, telemetry } = this;
    filter.receiveTrailers = (s: StatusObject) => {
      const latencyMs = clock.now() - startMs;
      record.record(s.code, latencyMs, 0);
      route?.record(s.code, latencyMs);
      telemetry?.end(s.code);
      return s;
    };
    return filter;
  }
}

export function localStatus(code: status, details: string, metadata: Metadata): StatusObject {
  return { code, details, metadata };
}
