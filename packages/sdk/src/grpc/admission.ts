import { type experimental, Metadata, status } from "@grpc/grpc-js";
import type { MethodPolicyView } from "@switchboard/core";
import { STICKY_BUCKETS } from "@switchboard/core";
import type { BreakerPermit } from "../breaker/circuit-breaker.js";
import type { ServiceRuntime } from "../client/service-runtime.js";
import { DelayFilterFactory } from "../route/fault-delay.js";
import { CarryFilterFactory, carriedMetadata, hasHeadersToCarry } from "../route/propagation.js";
import { type RouteDestination, routedPolicy } from "../route/router.js";
import { CALL_CONTEXT, type CallContext } from "./call-context.js";
import { localStatus, OutcomeFilterFactory, RejectFilterFactory } from "./outcome-filter.js";

type CallConfig = ReturnType<experimental.ConfigSelector["invoke"]>;
type MethodConfig = CallConfig["methodConfig"];

const methodConfigs = new WeakMap<MethodPolicyView, MethodConfig>();

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(9).replace(/\.?0+$/, "")}s`;
}

/**
 * The grpc-js method config for a method policy: the default deadline (grpc-js keeps the
 * earlier of it and the caller's) and the retry policy (grpc-js buffers and replays the
 * request, backs off with +-20% jitter, and re-picks; the picker adds the budget, the
 * deadline check and the preference for another endpoint).
 */
function methodConfigFor(policy: MethodPolicyView): MethodConfig {
  let config = methodConfigs.get(policy);
  if (config) return config;
  config = { name: [] };
  if (policy.timeoutMs !== undefined) {
    config.timeout = { seconds: Math.floor(policy.timeoutMs / 1000), nanos: (policy.timeoutMs % 1000) * 1e6 };
  }
  const retry = policy.retry;
  if (retry && retry.maxAttempts >= 2) {
    config.retryPolicy = {
      maxAttempts: retry.maxAttempts,
      initialBackoff: seconds(retry.initialBackoffMs),
      maxBackoff: seconds(retry.maxBackoffMs),
      backoffMultiplier: retry.backoffMultiplier,
      retryableStatusCodes: [...retry.retryableCodes],
    };
  }
  methodConfigs.set(policy, config);
  return config;
}

function rejection(
  runtime: ServiceRuntime,
  path: string,
  code: status,
  details: string,
  startMs: number,
  destination: RouteDestination | undefined,
  reason: "rate_limited" | "circuit_open" | undefined,
  target: string,
): CallConfig {
  const entry = runtime.method(path);
  if (reason) entry.record.rejected(reason);
  const factory = new RejectFilterFactory(
    localStatus(code, details, new Metadata()),
    entry.record,
    runtime.deps.clock,
    startMs,
    destination?.record,
    runtime.deps.telemetry?.startCall(path, target),
  );
  return {
    methodConfig: { name: [] },
    pickInformation: {},
    status: status.OK,
    dynamicFilterFactories: [factory],
  };
}

/** True for the share `perMillion` of draws. */
function drawn(random: () => number, perMillion: number): boolean {
  return random() * STICKY_BUCKETS < perMillion;
}

/**
 * Decides, once per call, before anything is sent: the route (the destination the picker then
 * picks in, the rule's timeout and retry, its faults: an abort fails the call at once, a delay
 * holds it back), the rate limit (RESOURCE_EXHAUSTED at once
 * when the bucket is empty), the service/method breaker (UNAVAILABLE at once while open), then
 * the call's deadline and retry policy, and the per-call context the picker shares across
 * attempts.
 */
export function admitCall(
  runtime: ServiceRuntime,
  path: string,
  metadata: Metadata,
  target: string,
): CallConfig {
  const { clock, random } = runtime.deps;
  const startMs = clock.now();
  const entry = runtime.method(path);
  const carried = carriedMetadata();
  const destination = runtime.router?.decide(path, metadata, carried);
  const rule = destination?.rule;
  const policy = rule === undefined ? entry.policy : routedPolicy(rule, entry.policy);
  const fault = rule?.resolved.fault;
  if (fault?.abort && drawn(random, fault.abort.perMillion)) {
    const details = `fault injected by route "${rule?.name}"`;
    return rejection(runtime, path, fault.abort.code, details, startMs, destination, undefined, target);
  }
  if (policy.rateLimit) {
    const bucket = runtime.traffic.bucket(policy.rateLimitScope, policy.rateLimit);
    if (!bucket.tryTake()) {
      const scope = policy.rateLimitScope === "*" ? "" : ` (${policy.rateLimitScope})`;
      const details = `switchboard: rate limit of ${policy.rateLimit.requestsPerSecond}/s for ${runtime.service}${scope} exceeded; retry in ${Math.ceil(bucket.retryAfterMs())} ms`;
      return rejection(
        runtime,
        path,
        status.RESOURCE_EXHAUSTED,
        details,
        startMs,
        destination,
        "rate_limited",
        target,
      );
    }
  }
  let breaker: ReturnType<typeof runtime.traffic.breaker> | undefined;
  let permit: BreakerPermit | undefined;
  if (policy.circuitBreaker) {
    breaker = runtime.traffic.breaker(policy.breakerScope, policy.circuitBreaker);
    permit = breaker.admit();
    if (!permit) {
      const scope = policy.breakerScope === "*" ? "" : ` (${policy.breakerScope})`;
      const details = `switchboard: circuit breaker open for ${runtime.service}${scope}; failing fast, next probe in ${Math.ceil(breaker.retryAfterMs())} ms`;
      return rejection(
        runtime,
        path,
        status.UNAVAILABLE,
        details,
        startMs,
        destination,
        "circuit_open",
        target,
      );
    }
  }
  runtime.traffic.budget.recordRequest();
  const ctx: CallContext = {
    path,
    method: policy,
    destination,
    startMs,
    attemptsStarted: 0,
    attemptsEnded: 0,
    tried: undefined,
    lastEndpoint: undefined,
    lastStatus: undefined,
    deadlineMs: undefined,
    retries: 0,
    telemetry: runtime.deps.telemetry?.startCall(path, target),
  };
  const pickInformation = { [CALL_CONTEXT]: ctx } as unknown as { [key: string]: string };
  const filters: experimental.FilterFactory<experimental.Filter>[] = [
    new OutcomeFilterFactory(
      ctx,
      entry.record,
      breaker && permit ? { breaker, permit } : undefined,
      runtime.traffic.failureSources,
      clock,
    ),
  ];
  if (fault?.delay && drawn(random, fault.delay.perMillion)) {
    filters.push(new DelayFilterFactory(fault.delay.delayMs));
  }
  if (carried !== undefined && hasHeadersToCarry(carried, metadata)) {
    filters.push(new CarryFilterFactory(carried));
  }
  return {
    methodConfig: methodConfigFor(policy),
    pickInformation,
    status: status.OK,
    dynamicFilterFactories: filters,
  };
}
