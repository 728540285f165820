import { experimental, Metadata, type StatusObject, status } from "@grpc/grpc-js";
import type { BalancerPicker, Pickable } from "../balancer/types.js";
import type { BreakerPermit } from "../breaker/circuit-breaker.js";
import type { ServiceRuntime } from "../client/service-runtime.js";
import type { RouteDestination, Router } from "../route/router.js";
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

/** The pickers of a route table's subsets, built with the service's picker. */
export interface SubsetPickers {
  /** The table they were built for. */
  readonly router: Router;
  /** By subset name: a picker over its endpoints that can take calls, or none. */
  readonly subsets: ReadonlyMap<string, SubsetPick>;
}

export interface SubsetPick {
  readonly balancer: BalancerPicker<PickEntry> | undefined;
  /** No endpoint can take calls yet, but some are connecting: calls wait for them. */
  readonly waiting: boolean;
}

const QUEUE: PickResult = {
  pickResultType: PickResultType.QUEUE,
  subchannel: null,
  status: null,
  onCallStarted: null,
  onCallEnded: null,
};

function drop(code: status, details: string): PickResult {
  return {
    pickResultType: PickResultType.DROP,
    subchannel: null,
    status: { code, details, metadata: new Metadata() },
    onCallStarted: null,
    onCallEnded: null,
  };
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
    private readonly routes?: SubsetPickers,
  ) {}

  pick(args: PickArgs): PickResult {
    const ctx = callContextOf(args.extraPickInfo);
    if (ctx !== undefined && ctx.attemptsEnded > ctx.retries) {
      const denied = this.admitRetry(ctx);
      if (denied) return denied;
    }
    const destination = ctx?.destination;
    let balancer = this.balancer;
    // A destination of this service's own table (a peer's picker handed a routed call sees
    // the caller's destination, which is not its own).
    if (destination !== undefined && destination.rule.service === this.runtime.service) {
      if (destination.service !== undefined) return this.pickInPeer(destination.service, args);
      const chosen = this.subsetBalancer(destination);
      if (chosen === "wait") return QUEUE;
      if (chosen === "fail") return this.noEndpointInSubset(destination);
      if (chosen !== "whole") balancer = chosen;
    }
    const hashKey = this.hashHeader ? firstValue(args.metadata, this.hashHeader) : undefined;
    let entry = balancer.pick({ hashKey, avoid: ctx?.tried });
    if (entry?.probing && !this.runtime.traffic.outlier?.canPick(entry.key)) {
      const avoid = new Set(ctx?.tried ?? []);
      avoid.add(entry.key);
      const other = balancer.pick({ hashKey, avoid });
      if (other && other.key !== entry.key) entry = other;
    }
    if (!entry) return unavailable(`switchboard: no endpoint for ${this.runtime.service}`);
    const result = entry.picker.pick(args);
    if (result.pickResultType !== PickResultType.COMPLETE) return result;
    return this.track(result, entry, ctx, args.metadata);
  }

  /**
   * The balancer of the destination's subset, or: "whole" (the service's: the rule falls back to
   * it), "fail" (the rule fails the call), "wait" (its endpoints are connecting, or this picker
   * predates the route table the call was routed by).
   */
  private subsetBalancer(d: RouteDestination): BalancerPicker<PickEntry> | "whole" | "fail" | "wait" {
    const subset = d.subset;
    if (subset === undefined) return "whole";
    const routes = this.routes;
    const pick = routes?.router === d.rule.router ? routes.subsets.get(subset.name) : undefined;
    if (pick === undefined) return this.runtime.router === routes?.router ? "whole" : "wait";
    if (pick.balancer !== undefined) return pick.balancer;
    if (pick.waiting) return "wait";
    return d.rule.resolved.fallback === "default_route" ? "whole" : "fail";
  }

  private noEndpointInSubset(d: RouteDestination): PickResult {
    return drop(
      status.UNAVAILABLE,
      `switchboard: route "${d.rule.name}": subset "${d.label}" of ${this.runtime.service} has no endpoint that can take calls`,
    );
  }

  /** A rule sends the call to another service: its balancer picks (its endpoints, its policy's algorithm). */
  private pickInPeer(service: string, args: PickArgs): PickResult {
    const picker = this.runtime.peerPicker(service);
    return picker ? picker.pick(args) : QUEUE;
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
