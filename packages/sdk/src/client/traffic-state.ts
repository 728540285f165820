import type {
  Clock,
  ResolvedBreakerConfig,
  ResolvedPolicy,
  ResolvedRateLimit,
  ResolvedRetryBudget,
} from "@switchboard/core";
import { POLICY_LIMITS } from "@switchboard/core";
import { EndpointLoad, LatencyBaseline } from "../balancer/endpoint-load.js";
import { type BreakerState, CircuitBreaker } from "../breaker/circuit-breaker.js";
import { FailureSources } from "../breaker/failure-sources.js";
import { OutlierDetector } from "../breaker/outlier-detector.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { TokenBucket } from "../ratelimit/token-bucket.js";
import { RetryBudget } from "../retry/retry-budget.js";

/** A grpc-js connectivity state, by name. */
export type ConnectivityName = "IDLE" | "CONNECTING" | "READY" | "TRANSIENT_FAILURE" | "SHUTDOWN";

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

const DEFAULT_BUDGET: ResolvedRetryBudget = {
  ratio: POLICY_LIMITS.retryBudget.ratio.default,
  minRetriesPerSecond: POLICY_LIMITS.retryBudget.minRetriesPerSecond.default,
  windowMs: POLICY_LIMITS.retryBudget.windowMs.default,
};

/**
 * The live traffic machinery of one service in one client process: per-endpoint load figures,
 * outlier ejection, breakers and token buckets per scope, and the retry budget. Shared by every
 * channel to the service. A policy change reconfigures all of it in place (state kept).
 */
export class TrafficState {
  readonly loads = new Map<string, EndpointLoad>();
  /** The service's default latency estimate, shared by its endpoints' loads (peak_ewma). */
  private readonly baseline = new LatencyBaseline();
  outlier: OutlierDetector | undefined;
  readonly budget: RetryBudget;
  /** Endpoints recent failed calls went to: a service breaker opens only on failures from two
   * endpoints that can take calls (or the only one). */
  readonly failureSources: FailureSources;
  private readonly breakers = new Map<string, CircuitBreaker>();
  /** Window of each breaker's rate triggers, for its "failures from two endpoints" check. */
  private readonly breakerWindows = new Map<string, number>();
  /** Endpoints the balancer may pick now (serving, connected, not ejected), set on each picker. */
  private available: ReadonlySet<string> = new Set();
  /** Connection state of each endpoint as grpc-js last reported it to the balancer. */
  private connectivity: ReadonlyMap<string, ConnectivityName> = new Map();
  private readonly buckets = new Map<string, TokenBucket>();
  private decayMs: number;
  /** The service's endpoints (what outlier detection tracks), whether or not a channel uses them yet. */
  private endpointKeys: readonly string[] = [];
  /** Told when a breaker changes state or an endpoint is ejected or returned (client reports). */
  private readonly stateListeners = new Set<() => void>();

  constructor(
    private readonly service: string,
    private readonly clock: Clock,
    private readonly metrics: ClientMetrics,
    policy: ResolvedPolicy,
    private readonly onEjectionChange: (key: string, ejected: boolean) => void,
  ) {
    this.decayMs = policy.loadBalancing.ewmaDecayMs;
    this.budget = new RetryBudget(policy.retry?.budget ?? DEFAULT_BUDGET, clock);
    this.failureSources = new FailureSources(clock);
    this.applyPolicy(policy);
  }

  load(key: string): EndpointLoad {
    let load = this.loads.get(key);
    if (!load) {
      load = new EndpointLoad(this.clock, this.decayMs, { baseline: this.baseline });
      this.loads.set(key, load);
    }
    return load;
  }

  setEndpoints(keys: readonly string[]): void {
    this.endpointKeys = keys;
    const keep = new Set(keys);
    this.failureSources.retain(keep);
    for (const key of this.loads.keys()) if (!keep.has(key)) this.loads.delete(key);
    this.outlier?.setEndpoints(keys);
    this.metrics.ejected.labels(this.service).set(this.outlier?.ejectedCount ?? 0);
  }

  /** The endpoints the balancer's latest picker may choose from, and every connection's state. */
  setAvailable(
    keys: ReadonlySet<string>,
    connectivity: ReadonlyMap<string, ConnectivityName> = new Map(),
  ): void {
    this.available = keys;
    this.connectivity = connectivity;
  }

  /** True when the balancer's latest picker may choose `key`. */
  isAvailable(key: string): boolean {
    return this.available.has(key);
  }

  /** The connection state of `key`; IDLE when no channel has connected to it. */
  connectivityOf(key: string): ConnectivityName {
    return this.connectivity.get(key) ?? "IDLE";
  }

  breaker(scope: string, config: ResolvedBreakerConfig): CircuitBreaker {
    let breaker = this.breakers.get(scope);
    if (!breaker) {
      this.breakerWindows.set(scope, config.windowMs);
      const canOpen = () =>
        this.failureSources.spreadEnough(this.breakerWindows.get(scope) ?? config.windowMs, this.available);
      breaker = new CircuitBreaker(config, this.clock, { canOpen });
      const gauge = this.metrics.breakerState.labels(this.service, scope);
      gauge.set(0);
      breaker.onStateChange(({ to }) => {
        gauge.set(STATE_VALUE[to]);
        this.stateChanged();
      });
      this.breakers.set(scope, breaker);
    }
    return breaker;
  }

  bucket(scope: string, config: ResolvedRateLimit): TokenBucket {
    let bucket = this.buckets.get(scope);
    if (!bucket) {
      bucket = new TokenBucket(config, this.clock);
      this.buckets.set(scope, bucket);
    }
    return bucket;
  }

  /** Breaker states by scope ("*" = the service), for stats(). */
  breakerStates(): Record<string, BreakerState> {
    const out: Record<string, BreakerState> = {};
    for (const [scope, breaker] of this.breakers) out[scope] = breaker.state;
    return out;
  }

  /** Calls `listener` when a breaker changes state or an endpoint is ejected or returned. */
  onStateChange(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private stateChanged(): void {
    for (const listener of this.stateListeners) listener();
  }

  applyPolicy(policy: ResolvedPolicy): void {
    this.decayMs = policy.loadBalancing.ewmaDecayMs;
    for (const load of this.loads.values()) load.setDecayMs(this.decayMs);
    this.budget.updateConfig(policy.retry?.budget ?? DEFAULT_BUDGET);
    this.applyOutlier(policy);
    for (const [scope, breaker] of this.breakers) {
      const config = scope === "*" ? policy.circuitBreaker : policy.methods.get(scope)?.circuitBreaker;
      if (config) {
        breaker.updateConfig(config);
        this.breakerWindows.set(scope, config.windowMs);
      } else {
        this.breakers.delete(scope);
        this.breakerWindows.delete(scope);
        this.metrics.breakerState.remove(this.service, scope);
      }
    }
    for (const [scope, bucket] of this.buckets) {
      const config = scope === "*" ? policy.rateLimit : policy.methods.get(scope)?.rateLimit;
      if (config) bucket.updateConfig(config);
      else this.buckets.delete(scope);
    }
  }

  private applyOutlier(policy: ResolvedPolicy): void {
    const config = policy.outlierDetection;
    if (!config) {
      if (this.outlier) {
        const ejected = this.outlier.ejectedKeys();
        this.outlier = undefined;
        for (const key of ejected) this.onEjectionChange(key, false);
        this.metrics.ejected.labels(this.service).set(0);
      }
      return;
    }
    if (this.outlier) {
      this.outlier.updateConfig(config);
      return;
    }
    const outlier = new OutlierDetector(config, this.clock);
    outlier.setEndpoints(this.endpointKeys);
    outlier.onEjection(({ key, kind }) => {
      if (kind === "ejected") this.metrics.ejections.labels(this.service).inc();
      this.metrics.ejected.labels(this.service).set(outlier.ejectedCount);
      this.onEjectionChange(key, kind !== "returned");
      if (kind !== "reopened") this.stateChanged();
    });
    this.outlier = outlier;
  }
}
