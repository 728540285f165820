import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { tokenVariable } from "./auth.js";
import {
  type ControlPlaneOptions,
  parseHostPort,
  type ResolvedControlPlaneOptions,
  resolveControlPlaneOptions,
} from "./config.js";
import { serverCredentials } from "./credentials.js";
import { Dashboard } from "./dashboard/dashboard.js";
import { FleetReports } from "./fleet/fleet-reports.js";
import { guardStore } from "./guarded-store.js";
import { DiscoveryHub } from "./hub/hub.js";
import type { SessionStats } from "./hub/watch-session.js";
import { LeaseReaper } from "./lease-reaper.js";
import { createLogger } from "./logger.js";
import { ControlPlaneMetrics } from "./metrics.js";
import { MetricsServer } from "./metrics-server.js";
import { RolloutDriver } from "./rollout/rollout-driver.js";
import { bind, buildServer, shutdown } from "./server.js";
import { allSubscribers } from "./services/await-propagation.js";
import { WatchStreams } from "./services/discovery.js";
import { HealthState } from "./services/health.js";
import { KeepAliveStreams } from "./services/keep-alive.js";
import { OutageShedder } from "./services/outage-shedder.js";
import { PropagationWatch } from "./services/propagation-watch.js";
import { createStore } from "./store/index.js";
import type { Store } from "./store/types.js";
import { XdsServer } from "./xds/xds-server.js";

export interface ControlPlaneAddress {
  /** "host:port" the gRPC server is bound to. */
  readonly address: string;
  readonly port: number;
  /** Port of the /metrics server; absent when it is off. */
  readonly metricsPort?: number;
}

export interface ControlPlaneStats {
  readonly watchStreams: number;
  /** Services whose state this replica keeps in memory (subscribed ones). */
  readonly cachedServices: number;
  readonly leasesExpired: number;
  /** Per Discovery stream: what it holds in memory. */
  readonly sessions: readonly SessionStats[];
}

export interface ControlPlane {
  /** Connects the store, starts following its changes, binds and serves. */
  start(): Promise<ControlPlaneAddress>;
  /** Health NOT_SERVING first, then ends Discovery streams, stops the reaper, closes the
   * server (in-flight calls get `graceMs`, default `shutdownGraceMs`) and the store. Idempotent. */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
  /** The store the control plane was given or created (unguarded). */
  readonly store: Store;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly replicaId: string;
  readonly options: ResolvedControlPlaneOptions;
  readonly reaper: LeaseReaper;
  /** The xDS server (ADS and CSDS on the same port). */
  readonly xds: XdsServer;
  stats(): ControlPlaneStats;
}

/** Everything one replica is made of, wired together. */
interface Parts {
  readonly store: Store;
  readonly hub: DiscoveryHub;
  readonly fleet: FleetReports;
  readonly xds: XdsServer;
  readonly watchStreams: WatchStreams;
  readonly keepAlives: KeepAliveStreams;
  readonly health: HealthState;
  readonly shedder: OutageShedder;
  readonly reaper: LeaseReaper;
  readonly rollouts: RolloutDriver;
  readonly server: ReturnType<typeof buildServer>;
  readonly metrics: ControlPlaneMetrics;
  readonly metricsServer: MetricsServer;
  /** Absent when the metrics port or the dashboard is off. */
  readonly dashboard: Dashboard | undefined;
}

function assemble(o: ResolvedControlPlaneOptions, raw: Store, logger: Logger, registry: Registry): Parts {
  const metrics = new ControlPlaneMetrics(registry);
  const store = guardStore(raw, metrics, logger);
  metrics.setServiceSource(() => store.endpointCounts());
  const onStoreError = (operation: string, error: unknown): void =>
    logger.debug({ component: "hub", operation, err: error }, "store operation failed; will retry");
  const extraSubscriberRows = () => xds.subscriberRows();
  const hub = new DiscoveryHub({ ...o, store, logger, metrics, onStoreError, extraSubscriberRows });
  const ctx = { auth: o.authenticator, metrics, logger };
  const { clock } = o;
  const xdsLimits = { maxStreams: o.maxWatchStreams, maxResourceNames: o.maxSubscriptionsPerStream };
  const shedder = new OutageShedder({ graceMs: o.storeOutageShedMs, logger });
  const xds = new XdsServer(ctx, { hub, clock, logger, shedder, ...xdsLimits });
  const fleet = new FleetReports({ store, clock, publishIntervalMs: 1000, onStoreError });
  const watchStreams = new WatchStreams(ctx, {
    hub,
    clock,
    reports: { fleet, replicaId: o.replicaId },
    maxWatchStreams: o.maxWatchStreams,
    maxWatchStreamsPerConnection: o.maxWatchStreamsPerConnection,
    maxWatchStreamsPerPeer: o.maxWatchStreamsPerPeer,
    helloTimeoutMs: o.helloTimeoutMs,
    logger,
    shedder,
  });
  const health = new HealthState({
    maxWatchStreams: o.maxHealthWatchStreams,
    maxWatchStreamsPerPeer: o.maxHealthWatchStreamsPerPeer,
  });
  const propagation = new PropagationWatch({
    store,
    replicaId: o.replicaId,
    epoch: () => hub.epoch,
    localSubscribers: () => [...hub.localSubscribers(), ...xds.localSubscribers(o.replicaId)],
    pollIntervalMs: o.propagationPollIntervalMs,
    maxWaits: o.maxPropagationWaits,
  });
  const reaper = new LeaseReaper({
    store,
    clock,
    logger,
    metrics,
    intervalMs: o.reaperIntervalMs,
    batchSize: o.reaperBatchSize,
    pauseAfterOutageMs: o.maxLeaseTtlMs,
    // A Redis store survives a restart of every replica, with leases that ran out meanwhile.
    pauseAtStartMs: store.kind === "redis" ? o.maxLeaseTtlMs : 0,
  });
  const rollouts = new RolloutDriver({
    store,
    replicaId: o.replicaId,
    clock,
    logger,
    source: {
      records: (service) => fleet.recordsOf(service),
      subscribers: () => allSubscribers(propagation),
    },
    leaseMs: o.rolloutLeaseMs,
    stepIntervalMs: o.rolloutStepIntervalMs,
  });
  const admin = {
    store,
    clock,
    revokeRemovedForMs: o.revokeRemovedForMs,
    subscribers: propagation,
    fleet,
    logger,
  };
  const now = () => Math.floor(clock.now());
  const keepAlives = new KeepAliveStreams(ctx, {
    store,
    now,
    logger: logger.child({ component: "registration" }),
  });
  const server = buildServer({
    ctx,
    watchStreams,
    health,
    maxMessageBytes: o.maxMessageBytes,
    addMore: (s) => xds.addTo(s),
    registration: { store, clock, limits: o, propagation, keepAlives, logger },
    admin,
  });
  const dashboard =
    o.metricsListenAddress && o.dashboard === "on"
      ? new Dashboard({
          admin,
          metrics,
          authenticator: o.authenticator,
          readOnly: o.dashboardReadOnly === "on",
          replicaId: o.replicaId,
          logger: logger.child({ component: "dashboard" }),
        })
      : undefined;
  const metricsServer = new MetricsServer(registry, logger.child({ component: "metrics" }), dashboard);
  return {
    store,
    hub,
    xds,
    watchStreams,
    keepAlives,
    health,
    shedder,
    reaper,
    rollouts,
    server,
    metrics,
    metricsServer,
    dashboard,
    fleet,
  };
}

/** One control-plane replica. Created through `createControlPlane`. */
class ControlPlaneReplica implements ControlPlane {
  readonly store: Store;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly reaper: LeaseReaper;
  readonly xds: XdsServer;
  private readonly parts: Parts;
  private state: "new" | "starting" | "started" | "stopped" = "new";
  private stopping: Promise<void> | undefined;
  private unwatchStore: (() => void) | undefined;

  constructor(readonly options: ResolvedControlPlaneOptions) {
    const o = options;
    this.logger = o.logger ?? createLogger(o.logLevel);
    if (o.registry) {
      this.registry = o.registry;
    } else {
      // A registry of its own also carries the process's CPU, memory, event-loop lag and GC series.
      this.registry = new Registry();
      collectDefaultMetrics({ register: this.registry, prefix: "switchboard_" });
    }
    const storeLogger = this.logger.child({ component: "store" });
    this.store =
      o.store ??
      createStore({ url: o.redisUrl, keyPrefix: o.redisKeyPrefix, clock: o.clock, logger: storeLogger });
    this.parts = assemble(o, this.store, this.logger, this.registry);
    this.reaper = this.parts.reaper;
    this.xds = this.parts.xds;
  }

  get replicaId(): string {
    return this.options.replicaId;
  }

  async start(): Promise<ControlPlaneAddress> {
    if (this.state !== "new") throw new Error(`start() called on a control plane that is ${this.state}`);
    this.state = "starting";
    const o = this.options;
    const { hub, server, metricsServer, reaper, health } = this.parts;
    const credentials = serverCredentials(o);
    if (!o.store && !o.redisUrl) {
      this.logger.info(
        "REDIS_URL is not set: using the embedded in-memory store (one replica only; nothing survives a restart)",
      );
    }
    this.warnOpenScopes();
    // Only a Redis store can keep start-up waiting (the in-memory one is ready at once).
    if (this.store.kind === "redis") {
      this.logger.info({ component: "store", store: this.store.kind }, "waiting for the store to be ready");
    }
    await this.store.ready();
    this.unwatchStore = this.store.onAvailabilityChange((up) => this.storeAvailability(up));
    this.parts.metrics.storeAvailable.set(1);
    await hub.start();
    const port = await bind(server, o.listenAddress, credentials);
    const host = parseHostPort("listenAddress", o.listenAddress).host;
    const metricsPort = o.metricsListenAddress
      ? await metricsServer.listen(o.metricsListenAddress)
      : undefined;
    this.parts.dashboard?.start();
    reaper.start();
    this.parts.rollouts.start();
    health.setStarted();
    this.state = "started";
    const bound = { address: `${host}:${port}`, port, ...(metricsPort !== undefined ? { metricsPort } : {}) };
    const info = { replicaId: o.replicaId, store: this.store.kind, tls: Boolean(o.tlsCertFile) };
    this.logger.info({ ...bound, ...info }, "control plane listening");
    return bound;
  }

  stop(options?: { readonly graceMs?: number }): Promise<void> {
    this.stopping ??= this.stopNow(options?.graceMs ?? this.options.shutdownGraceMs);
    return this.stopping;
  }

  stats(): ControlPlaneStats {
    const { hub, reaper } = this.parts;
    return {
      watchStreams: hub.sessionCount,
      cachedServices: hub.cachedServices,
      leasesExpired: reaper.expired,
      sessions: hub.sessionStats(),
    };
  }

  /** One warning per API a caller can use without a token (Discovery is often left open on
   * purpose, so it is not warned about). */
  private warnOpenScopes(): void {
    for (const scope of ["admin", "registration"] as const) {
      if (this.options.authenticator.requires(scope)) continue;
      this.logger.warn(
        { component: "auth", scope },
        `${scope} calls need no token: anyone who reaches this port can make them (set ${tokenVariable(scope)} to require one)`,
      );
    }
  }

  /** The store's availability, the one signal health and stream shedding follow. */
  private storeAvailability(up: boolean): void {
    this.parts.health.setStoreAvailable(up);
    this.parts.shedder.storeAvailability(up);
    this.parts.metrics.storeAvailable.set(up ? 1 : 0);
    this.logger.warn(
      { component: "store", available: up },
      up ? "store reachable again" : "store unreachable",
    );
  }

  private async stopNow(graceMs: number): Promise<void> {
    const { health, watchStreams, keepAlives, reaper, server, hub, metricsServer, xds, shedder } = this.parts;
    const wasStarted = this.state !== "new";
    this.state = "stopped";
    health.setShuttingDown();
    shedder.close();
    watchStreams.endAll();
    xds.endAll();
    keepAlives.endAll();
    health.close();
    await reaper.stop();
    await this.parts.rollouts.stop();
    if (wasStarted) await shutdown(server, graceMs);
    else server.forceShutdown();
    await this.parts.fleet.stop();
    await hub.close();
    this.unwatchStore?.();
    this.parts.dashboard?.close();
    await metricsServer.close();
    if (this.options.closeStore) await this.store.close();
    this.logger.info({ replicaId: this.options.replicaId }, "control plane stopped");
  }
}

/** A control-plane replica: the Discovery, Registration and Admin services over a store.
 * Throws ConfigError (naming the option) on a bad option. */
export function createControlPlane(options: ControlPlaneOptions = {}): ControlPlane {
  return new ControlPlaneReplica(resolveControlPlaneOptions(options));
}
