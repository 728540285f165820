import type { experimental } from "@grpc/grpc-js";
import type { Clock, MethodPolicyView } from "@switchboard/core";
import { policyForMethod } from "@switchboard/core";
import type { Logger } from "pino";
import type { BreakerPermit } from "../breaker/circuit-breaker.js";
import type { ClientMetrics } from "../metrics/client-metrics.js";
import { trackPropagatedHeaders } from "../route/propagation.js";
import { RouteRecords } from "../route/route-record.js";
import { Router } from "../route/router.js";
import { CallStats } from "../stats/call-stats.js";
import type { CallStatsTable } from "../stats/call-stats-table.js";
import type { ClientTelemetry } from "../telemetry/index.js";
import type { MeshEndpoint } from "./endpoint.js";
import { MethodRecord } from "./method-record.js";
import type { ApplyOutcome } from "./service-view.js";
import { ServiceView } from "./service-view.js";
import { TrafficState } from "./traffic-state.js";

export interface RuntimeDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly metrics: ClientMetrics;
  readonly logger: Logger;
  readonly stats: CallStatsTable;
  /** The client's own zone ("" for none). */
  readonly localZone: string;
  /** How long endpoints of the previous epoch are kept after an epoch change, ms. */
  readonly epochChangeHoldMs?: number;
  /**
   * Opens a link to another mesh service a route sends calls to: its runtime, kept subscribed
   * and connected while the link is open. Without it, such routes fail their calls.
   */
  readonly openPeer?: (service: string) => PeerLink;
  /** OpenTelemetry for calls; undefined when no provider exists (then calls never touch it). */
  readonly telemetry?: ClientTelemetry | undefined;
}

/** Another service this one's routes send calls to. */
export interface PeerLink {
  readonly runtime: ServiceRuntime;
  /** Asks the peer's channel to connect (again, after it went idle). */
  wake(): void;
  close(): void;
}

/** Per-call-path data, rebuilt when the policy changes. */
export interface MethodEntry {
  readonly record: MethodRecord;
  readonly policy: MethodPolicyView;
}

/**
 * One mesh service inside one client process: the control plane's view of it, the traffic
 * machinery every channel to it shares, its stats, and the channels listening for changes.
 */
export class ServiceRuntime {
  readonly view: ServiceView;
  readonly traffic: TrafficState;
  /** Attempts per endpoint (each try, retries included), for stats(). */
  readonly endpointStats = new Map<string, CallStats>();
  private readonly listeners = new Set<() => void>();
  private readonly methods = new Map<string, MethodEntry>();
  private readonly byAddress = new Map<string, MeshEndpoint>();
  private readonly ejectionTimers = new Map<string, NodeJS.Timeout>();
  private holdTimer: NodeJS.Timeout | undefined;
  private notifyScheduled = false;
  private failure: string | undefined;
  /** The route table compiled for per-call decisions; undefined with none. */
  router: Router | undefined;
  /** Calls per route rule and destination. */
  readonly routes: RouteRecords;
  private propagated: readonly string[] = [];
  private readonly peers = new Map<string, PeerLink>();
  /** The picker a balancer of this service published last, with its owner. */
  private published: { owner: object; picker: experimental.Picker } | undefined;
  private readonly pickerListeners = new Set<() => void>();

  constructor(
    readonly service: string,
    readonly deps: RuntimeDeps,
  ) {
    this.view = new ServiceView(service, { clock: deps.clock, epochChangeHoldMs: deps.epochChangeHoldMs });
    this.routes = new RouteRecords(service, deps.metrics);
    this.traffic = new TrafficState(service, deps.clock, deps.metrics, this.view.policy, (key, ejected) =>
      this.onEjectionChange(key, ejected),
    );
  }

  /** Called by channels (resolvers, balancers) to hear about endpoint, policy and ejection changes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The endpoint at "host:port" as grpc-js prints subchannel addresses. */
  endpointAt(address: string): MeshEndpoint | undefined {
    return this.byAddress.get(address);
  }

  /** Per-path stats and policy; looked up once per call. */
  method(path: string): MethodEntry {
    let entry = this.methods.get(path);
    if (!entry) {
      const name = path.startsWith("/") ? path.slice(1) : path;
      const stats = this.deps.stats.forMethod(this.service, name);
      entry = {
        record: new MethodRecord(this.service, name, stats, this.deps.metrics),
        policy: policyForMethod(this.view.policy, path),
      };
      this.methods.set(path, entry);
    }
    return entry;
  }

  /** Records one attempt's end against its endpoint. */
  recordAttempt(key: string, code: number, latencyMs: number, permit?: BreakerPermit): void {
    this.traffic.outlier?.record(key, code, latencyMs, permit);
    let stats = this.endpointStats.get(key);
    if (!stats) {
      stats = new CallStats();
      this.endpointStats.set(key, stats);
    }
    stats.record(code, latencyMs);
  }

  /** After the mesh client applied a response to `view`. */
  applied(outcome: ApplyOutcome): void {
    if (outcome.policyChanged) {
      this.traffic.applyPolicy(this.view.policy);
      for (const [path, entry] of this.methods) {
        this.methods.set(path, { record: entry.record, policy: policyForMethod(this.view.policy, path) });
      }
    }
    if (outcome.endpointsChanged) this.indexEndpoints();
    if (outcome.routesChanged) this.compileRoutes();
    if (outcome.endpointsChanged || outcome.policyChanged || outcome.routesChanged) this.notify();
    this.scheduleHoldEnd();
  }

  /** While endpoints of a previous epoch are held, a timer drops them when their time is up. */
  private scheduleHoldEnd(): void {
    const remaining = this.view.holdRemainingMs();
    if (remaining === 0 || this.holdTimer) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      const outcome = this.view.endHoldIfDue();
      if (outcome) {
        this.deps.logger.info(
          { service: this.service },
          "epoch change: now routing on re-registered endpoints only",
        );
      }
      this.applied(
        outcome ?? {
          rejected: undefined,
          endpointsChanged: false,
          policyChanged: false,
          routesChanged: false,
        },
      );
    }, remaining + 1);
    this.holdTimer.unref();
  }

  /** Wakes listeners without a state change (e.g. the control plane became unreachable). */
  poke(): void {
    this.notify();
  }

  /** The control plane refused the subscription; channels waiting for a first state fail with it. */
  subscriptionFailed(reason: string): void {
    this.failure = reason;
    this.notify();
  }

  /** Why the subscription failed, if the control plane refused it. */
  get subscriptionFailure(): string | undefined {
    return this.failure;
  }

  /** The picker of another service a route sends calls to; undefined while it has none ready. */
  peerPicker(service: string): experimental.Picker | undefined {
    const peer = this.peers.get(service);
    const picker = peer?.runtime.published?.picker;
    if (peer && !picker) peer.wake();
    return picker;
  }

  /** The services this one's routes send calls to, now. */
  peerRuntimes(): ServiceRuntime[] {
    return [...this.peers.values()].map((p) => p.runtime);
  }

  /** A balancer of this service has a picker ready; routes from other services may use it. */
  publishPicker(owner: object, picker: experimental.Picker | undefined): void {
    if (picker) this.published = { owner, picker };
    else if (this.published?.owner === owner) this.published = undefined;
    else return;
    for (const listener of [...this.pickerListeners]) listener();
  }

  /** Hears when the published picker changes (balancers of services that route here). */
  onPicker(listener: () => void): () => void {
    this.pickerListeners.add(listener);
    return () => this.pickerListeners.delete(listener);
  }

  close(): void {
    trackPropagatedHeaders(this.propagated, []);
    this.propagated = [];
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    for (const timer of this.ejectionTimers.values()) clearTimeout(timer);
    this.ejectionTimers.clear();
    this.listeners.clear();
  }

  private compileRoutes(): void {
    const table = this.view.routes;
    const propagated = table?.propagateHeaders ?? [];
    trackPropagatedHeaders(this.propagated, propagated);
    this.propagated = propagated;
    this.router = table
      ? new Router(
          this.service,
          table,
          (rule, label) => this.routes.forDestination(rule, label),
          this.deps.random,
        )
      : undefined;
    const wanted = new Set<string>();
    for (const rule of table?.rules ?? []) {
      for (const d of rule.destinations) if (d.target.kind === "service") wanted.add(d.target.service);
    }
    for (const [service, peer] of this.peers) {
      if (wanted.has(service)) continue;
      peer.close();
      this.peers.delete(service);
    }
    for (const service of wanted) {
      const peer = this.peers.has(service) ? undefined : this.deps.openPeer?.(service);
      if (peer) this.peers.set(service, peer);
    }
  }

  private indexEndpoints(): void {
    this.byAddress.clear();
    const counts = { SERVING: 0, NOT_SERVING: 0, DRAINING: 0 };
    for (const e of this.view.endpoints) {
      this.byAddress.set(e.id, e);
      counts[e.health]++;
    }
    const keys = this.view.endpoints.map((e) => e.id);
    this.traffic.setEndpoints(keys);
    for (const key of this.endpointStats.keys()) if (!this.byAddress.has(key)) this.endpointStats.delete(key);
    for (const [health, n] of Object.entries(counts)) {
      this.deps.metrics.endpoints.labels(this.service, health).set(n);
    }
  }

  /**
   * An ejected endpoint comes back half-open when its breaker's open duration ends, which the
   * breaker only notices when asked; a timer asks, so the balancers rebuild their pickers then.
   * The same after a failed probe opens the breaker again: without that timer, a picker rebuilt
   * while the breaker was open would leave the endpoint out for good.
   */
  private onEjectionChange(key: string, ejected: boolean): void {
    const previous = this.ejectionTimers.get(key);
    if (previous) clearTimeout(previous);
    this.ejectionTimers.delete(key);
    if (ejected) {
      const delay = this.traffic.outlier?.retryAfterMs(key) ?? 0;
      this.wakeWhenProbeable(key, delay);
      this.deps.logger.warn(
        { service: this.service, endpoint: key, retryAfterMs: delay },
        "endpoint ejected",
      );
    } else {
      this.deps.logger.info({ service: this.service, endpoint: key }, "endpoint returned to rotation");
    }
    this.notify();
  }

  /**
   * Rebuilds the pickers once `key`'s breaker lets a probe through. A timer can fire a little
   * before the breaker's clock says the open duration is over (Node measures timers from the
   * event loop's cached time): then it waits for what is left rather than rebuilding the pickers
   * while the endpoint still reads as open, which would leave it out with no timer to come back.
   */
  private wakeWhenProbeable(key: string, delayMs: number): void {
    const timer = setTimeout(() => {
      const left = this.traffic.outlier?.retryAfterMs(key) ?? 0;
      if (left > 0) {
        this.wakeWhenProbeable(key, left);
        return;
      }
      this.ejectionTimers.delete(key);
      this.notify();
    }, delayMs + 1);
    timer.unref();
    this.ejectionTimers.set(key, timer);
  }

  /** Listeners run on the next tick: changes often come in bursts (a response, an ejection). */
  private notify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    process.nextTick(() => {
      this.notifyScheduled = false;
      for (const listener of [...this.listeners]) listener();
    });
  }
}
