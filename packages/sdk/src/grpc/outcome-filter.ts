import { experimental, type Metadata, type StatusObject, type status } from "@grpc/grpc-js";
import type { CircuitBreaker } from "../breaker/circuit-breaker.js";
import type { MethodRecord } from "../client/method-record.js";
import type { Clock } from "../clock.js";
import type { CallContext } from "./call-context.js";

/**
 * Per-call filter that sees the call's final status (after every retry): it records the call in
 * stats and metrics and gives the service/method breaker its outcome. grpc-js runs a filter's
 * `receiveTrailers` exactly once per call, however the call ends (status, cancel, deadline).
 */
class OutcomeFilter extends experimental.BaseFilter {
  constructor(
    private readonly ctx: CallContext,
    private readonly record: MethodRecord,
    private readonly breaker: CircuitBreaker | undefined,
    private readonly clock: Clock,
  ) {
    super();
  }

  override receiveTrailers(s: StatusObject): StatusObject {
    const latencyMs = this.clock.now() - this.ctx.startMs;
    this.record.record(s.code, latencyMs, this.ctx.retries);
    this.breaker?.recordOutcome(s.code, latencyMs);
    return s;
  }
}

export class OutcomeFilterFactory implements experimental.FilterFactory<experimental.Filter> {
  constructor(
    private readonly ctx: CallContext,
    private readonly record: MethodRecord,
    private readonly breaker: CircuitBreaker | undefined,
    private readonly clock: Clock,
  ) {}

  createFilter(): experimental.Filter {
    return new OutcomeFilter(this.ctx, this.record, this.breaker, this.clock);
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
    throw this.rejection;
  }
}

export class RejectFilterFactory implements experimental.FilterFactory<experimental.Filter> {
  constructor(
    private readonly rejection: StatusObject,
    private readonly record: MethodRecord,
    private readonly clock: Clock,
    private readonly startMs: number,
  ) {}

  createFilter(): experimental.Filter {
    const filter = new RejectFilter(this.rejection);
    const record = this.record;
    const clock = this.clock;
    const startMs = this.startMs;
    filter.receiveTrailers = (s: StatusObject) => {
      record.record(s.code, clock.now() - startMs, 0);
      return s;
    };
    return filter;
  }
}

export function localStatus(code: status, details: string, metadata: Metadata): StatusObject {
  return { code, details, metadata };
}
