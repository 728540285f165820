import { experimental, Metadata, type StatusObject, status } from "@grpc/grpc-js";
import type { BalancerPicker, Pickable } from "../balancer/types.js";
import type { BreakerPermit } from "../breaker/circuit-breaker.js";
import type { ServiceRuntime } from "../client/service-runtime.js";
import { AttemptTelemetrySubchannel } from "../telemetry/index.js";
import { type CallContext, callContextOf, deadlineFromMetadata } from "./call-context.js";
import { PerTryTimeoutSubchannel } from "./per-try-timeout.js";

const { PickResultType } = experimental;
type Picker = experimental.Picker;
type PickArgs = experimental.PickArgs;
type PickResult = experimental.PickResult;

/** One endpoint a picker may choose: what the balancer needs, plus its connection's picker. */
export interface PickEntry extends Pickable {
  /** The endpoint's own (pick-first) picker, which returns its connected subchannel. */
  readonly picker: Picker;
  /** Half-open under outlier detection: only while it has a free probe slot. */
  readonly probing: boolean;
}

function dropWith(s: StatusObject, why: string): PickResult {
  return {
    pickResultType: PickResultType.DROP,
    subchannel: null,
    status: { code: s.code, details: `${s.details} (not retried: ${why})`, metadata: s.metadata },
    onCallStarted: null,
    onCallEnded: null,
  };
}

function unavailable(details: string): PickResult {
  return {
    pickResultType: PickResultType.TRANSIENT_FAILURE,
    subchannel: null,
    status: { code: status.UNAVAILABLE, details, metadata: new Metadata() },
    onCallStarted: null,
    onCallEnded: null,
  };
}

function firstValue(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.toString("latin1");
}

/**
 * The per-call hot path. Chooses an endpoint with the service's balancer, then lets the
 * endpoint's own picker return its subchannel, and wraps the result to feed the endpoint's load
 * figures, outlier detection and stats when the attempt starts and ends. On a retry it enforces
 * what grpc-js's retry policy lacks: the retry budget, the deadline (no attempt that cannot fit),
 * and a different endpoint when there is one.
 */
export class MeshPicker implements Picker {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly balancer: BalancerPicker<PickEntry>,
    private readonly hashHeader: string,
  ) {}

  pick(args: PickArgs): PickResult {
    const ctx = callContextOf(args.extraPickInfo);
    if (ctx !== undefined && ctx.attemptsEnded > ctx.retries) {
      const denied = this.admitRetry(ctx);
      if (denied) return denied;
    }
    const hashKey = this.hashHeader ? firstValue(args.metadata, this.hashHeader) : undefined;
    let entry = this.balancer.pick({ hashKey, avoid: ctx?.tried });
    if (entry?.probing && !this.runtime.traffic.outlier?.canPick(entry.key)) {
      const avoid = new Set(ctx?.tried ?? []);
      avoid.add(entry.key);
      const other = this.balancer.pick({ hashKey, avoid });
      if (other && other.key !== entry.key) entry = other;
    }
    if (!entry) return unavailable(`switchboard: no endpoint for ${this.runtime.service}`);
    const result = entry.picker.pick(args);
    if (result.pickResultType !== PickResultType.COMPLETE) return result;
    return this.track(result, entry, ctx, args.metadata);
  }

  private admitRetry(ctx: CallContext): PickResult | undefined {
    const last = ctx.lastStatus;
    if (!last) return undefined;
    const { clock, metrics } = this.runtime.deps;
    if (ctx.deadlineMs !== undefined && ctx.deadlineMs !== Number.POSITIVE_INFINITY) {
      const remaining = ctx.deadlineMs - clock.now();
      const needed = Math.max(1, this.runtime.method(ctx.path).record.stats.latency.percentile(50));
      if (remaining < needed) {
        metrics.retriesDenied.labels(this.runtime.service, "deadline").inc();
        return dropWith(last, `${Math.max(0, Math.round(remaining))} ms left before the deadline`);
      }
    }
    if (!this.runtime.traffic.budget.tryRetry()) {
      metrics.retriesDenied.labels(this.runtime.service, "budget").inc();
      return dropWith(last, `retry budget of ${this.runtime.service} exhausted`);
    }
    ctx.retries++;
    return undefined;
  }

  private track(
    result: PickResult,
    entry: PickEntry,
    ctx: CallContext | undefined,
    metadata: Metadata,
  ): PickResult {
    const runtime = this.runtime;
    const clock = runtime.deps.clock;
    const outlier = runtime.traffic.outlier;
    const { key, load } = entry;
    let startedAt = 0;
    let permit: BreakerPermit | undefined;
    const perTryMs = ctx?.method.retry?.perTryTimeoutMs;
    let subchannel =
      perTryMs !== undefined && result.subchannel
        ? new PerTryTimeoutSubchannel(result.subchannel, perTryMs, key)
        : result.subchannel;
    // OpenTelemetry: the attempt is reported from the subchannel it starts on (undefined: none).
    const telemetry = ctx?.telemetry;
    if (telemetry && subchannel) subchannel = new AttemptTelemetrySubchannel(subchannel, telemetry, key);
    return {
      pickResultType: PickResultType.COMPLETE,
      subchannel,
      status: null,
      onCallStarted: () => {
        startedAt = clock.now();
        load.onCallStarted();
        permit = outlier?.admit(key);
        if (ctx) {
          ctx.attemptsStarted++;
          ctx.lastEndpoint = key;
          ctx.deadlineMs ??= deadlineFromMetadata(metadata, startedAt);
        }
      },
      onCallEnded: (code, details, trailers) => {
        const latencyMs = clock.now() - startedAt;
        load.onCallEnded(code === status.CANCELLED ? undefined : latencyMs);
        runtime.recordAttempt(key, code, latencyMs, permit);
        if (ctx) {
          ctx.attemptsEnded++;
          // Only a failed attempt can be followed by a retry: a success allocates nothing here.
          if (code !== status.OK) {
            ctx.tried ??= new Set();
            ctx.tried.add(key);
            ctx.lastStatus = { code, details, metadata: trailers };
          }
        }
      },
    };
  }
}
