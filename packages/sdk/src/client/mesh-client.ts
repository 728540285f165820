import { Channel } from "@grpc/grpc-js";
import type { WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Logger } from "pino";
import { registerWithGrpc } from "../grpc/register.js";
import { ClientMetrics } from "../metrics/client-metrics.js";
import { ClientReporter } from "../report/client-reporter.js";
import { CallStatsTable } from "../stats/call-stats-table.js";
import { type ClientTelemetry, createClientTelemetry } from "../telemetry/index.js";
import { SDK_VERSION } from "../version.js";
import { applyResponse } from "./apply-response.js";
import { DiscoveryConnection } from "./discovery-connection.js";
import {
  type CallOptionsLike,
  DynamicCaller,
  type MethodDescriptor,
  type UnaryMethod,
} from "./dynamic-call.js";
import type { MeshEndpoint } from "./endpoint.js";
import { assertOneGrpcJs } from "./grpc-copies.js";
import { type MeshHandle, registerMesh, unregisterMesh } from "./mesh-registry.js";
import {
  type MeshClientOptions,
  type ResolvedMeshClientOptions,
  resolveMeshClientOptions,
} from "./options.js";
import { type PeerLink, ServiceRuntime } from "./service-runtime.js";
import { readSnapshotFile } from "./snapshot-file.js";
import { SnapshotWriter } from "./snapshot-writer.js";
import { type MeshStats, serviceStats } from "./stats.js";

/** The process's connection to the control plane, shared by every `mesh:` channel. */
export interface MeshClient {
  readonly clientId: string;
  readonly name: string;
  /** True while the Discovery stream is up. */
  readonly connected: boolean;
  /**
   * Calls a unary method of a mesh service through the mesh (balancing, breakers, retries,
   * deadlines, limits) with a generated method definition, e.g.
   * `mesh.call("user-service", UserServiceService.getUser, { id })`: typed request and response.
   */
  call<Req, Res>(
    service: string,
    method: MethodDescriptor<Req, Res>,
    request: Req,
    options?: CallOptionsLike,
  ): Promise<Res>;
  /** The same with a "/package.Service/Method" path and the request and response as raw bytes. */
  call(service: string, method: string, request: Buffer, options?: CallOptionsLike): Promise<Buffer>;
  /** The endpoints the client routes to for `service` (subscribing on first use). */
  endpoints(service: string): readonly MeshEndpoint[];
  /** Resolves once the control plane (or the snapshot file) has given a state for `service`. */
  waitForService(service: string, options?: { timeoutMs?: number }): Promise<void>;
  /** Per service and method: requests, successes, errors by code, success rate, P50/P95/P99, retries, breaker state; per endpoint too. */
  stats(): MeshStats;
  close(): Promise<void>;
}

class MeshClientImpl implements MeshClient, MeshHandle {
  readonly clientId: string;
  readonly name: string;
  private readonly runtimes = new Map<string, ServiceRuntime>();
  private readonly connection: DiscoveryConnection;
  private readonly metrics: ClientMetrics;
  private readonly stats_ = new CallStatsTable();
  private readonly caller: DynamicCaller;
  private readonly logger: Logger;
  private readonly snapshots: SnapshotWriter | undefined;
  private readonly reporter: ClientReporter | undefined;
  /** OpenTelemetry instruments and spans; undefined when no provider exists. */
  private readonly telemetry: ClientTelemetry | undefined;
  private epoch = "";
  private lastUpdateAt: number | undefined;
  private lastFailure: string | undefined;
  private closed = false;

  constructor(private readonly options: ResolvedMeshClientOptions) {
    this.clientId = options.clientId;
    this.name = options.name;
    this.logger = options.logger.child({ component: "mesh-client", mesh: options.name });
    this.metrics = new ClientMetrics(options.registry, () => this.lastUpdateAt);
    this.caller = new DynamicCaller(options.name, options.channelCredentials);
    this.telemetry = createClientTelemetry(options);
    this.snapshots = options.snapshotFile
      ? new SnapshotWriter(options.snapshotFile, this.logger, () => this.snapshotState())
      : undefined;
    this.connection = new DiscoveryConnection({
      addresses: options.controlPlane,
      credentials: options.controlPlaneCredentials,
      channelOptions: options.controlPlaneChannelOptions,
      token: options.token,
      backoff: {
        initialMs: options.reconnectInitialBackoffMs,
        maxMs: options.reconnectMaxBackoffMs,
        multiplier: 2,
      },
      logger: this.logger,
      hello: () => ({
        clientId: this.clientId,
        zone: options.zone,
        sdkVersion: SDK_VERSION,
        epoch: this.epoch,
        knownVersions: this.knownVersions(),
      }),
      onResponse: (r) => this.onResponse(r),
      onConnectedChange: (up) => this.onConnectedChange(up),
      onFailure: (reason) => this.onFailure(reason),
    });
    this.reporter =
      options.reportIntervalMs > 0
        ? new ClientReporter({
            intervalMs: options.reportIntervalMs,
            clock: options.clock,
            stats: () => this.stats(),
            send: (report) => this.connection.send({ kind: { $case: "report", report } }),
            latency: (service, method) => this.stats_.forMethod(service, method).latency,
          })
        : undefined;
  }

  get connected(): boolean {
    return this.connection.isConnected;
  }

  start(): void {
    if (this.options.snapshotFile) this.loadSnapshotFile(this.options.snapshotFile);
    this.connection.start();
    this.reporter?.start();
  }

  acquire(service: string): ServiceRuntime {
    let runtime = this.runtimes.get(service);
    if (runtime) return runtime;
    if (this.closed) throw new Error(`mesh client "${this.name}" is closed`);
    runtime = this.newRuntime(service);
    this.connection.send({ kind: { $case: "subscribe", subscribe: { service, knownVersion: 0 } } });
    return runtime;
  }

  unreachableReason(): string | undefined {
    if (this.connection.isConnected || !this.lastFailure) return undefined;
    return `no Discovery stream to the control plane (${this.connection.address}): ${this.lastFailure}`;
  }

  call<Req, Res>(service: string, method: UnaryMethod<Req, Res>, request: Req, options?: CallOptionsLike) {
    return this.caller.call(service, method, request, options);
  }

  endpoints(service: string): readonly MeshEndpoint[] {
    return this.acquire(service).view.endpoints;
  }

  waitForService(service: string, options: { timeoutMs?: number } = {}): Promise<void> {
    const runtime = this.acquire(service);
    if (runtime.view.initialized) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(
          new Error(
            `no state for ${service} after ${timeoutMs} ms (${this.unreachableReason() ?? "waiting"})`,
          ),
        );
      }, timeoutMs);
      const off = runtime.onChange(() => {
        if (!runtime.view.initialized) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  stats(): MeshStats {
    const methods = this.stats_.snapshot();
    const services: Record<string, ReturnType<typeof serviceStats>> = {};
    for (const [name, runtime] of this.runtimes) services[name] = serviceStats(runtime, methods[name] ?? {});
    return {
      connected: this.connection.isConnected,
      controlPlane: this.connection.address,
      lastUpdateAgeMs: this.lastUpdateAt === undefined ? undefined : Date.now() - this.lastUpdateAt,
      services,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unregisterMesh(this);
    this.reporter?.stop();
    this.connection.close();
    this.caller.close();
    this.snapshots?.flush();
    for (const runtime of this.runtimes.values()) runtime.close();
  }

  private newRuntime(service: string): ServiceRuntime {
    const o = this.options;
    const runtime = new ServiceRuntime(service, {
      clock: o.clock,
      random: o.random,
      metrics: this.metrics,
      logger: this.logger,
      stats: this.stats_,
      localZone: o.zone,
      epochChangeHoldMs: o.epochChangeHoldMs,
      openPeer: (peer) => this.openPeer(peer),
      telemetry: this.telemetry,
    });
    this.runtimes.set(service, runtime);
    runtime.traffic.onStateChange(() => this.reporter?.stateChanged(service));
    return runtime;
  }

  /**
   * A service a route table sends calls to: subscribed, with a channel of its own kept open so
   * its balancer connects to its endpoints and publishes the picker routed calls use.
   */
  private openPeer(service: string): PeerLink {
    const runtime = this.acquire(service);
    const channel = new Channel(`mesh://${this.name}/${service}`, this.options.channelCredentials, {
      // Routed calls go through the caller's channel, so this one never sees them: it must not
      // go idle (grpc-js's longest idle timeout).
      "grpc.client_idle_timeout_ms": 2 ** 31 - 1,
    });
    const wake = () => channel.getConnectivityState(true);
    wake();
    return { runtime, wake, close: () => channel.close() };
  }

  private knownVersions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [service, runtime] of this.runtimes) {
      const v = runtime.view;
      out[service] = v.initialized && v.epoch === this.epoch ? v.version : 0;
    }
    return out;
  }

  private onResponse(response: WatchResponse): void {
    this.lastUpdateAt = Date.now();
    if (response.epoch) this.epoch = response.epoch;
    const reply = applyResponse(response, (s) => this.runtimes.get(s), this.logger);
    if (reply.nack) this.metrics.nacks.labels(reply.service).inc();
    for (const message of reply.messages) this.connection.send(message);
    if (reply.changed) this.snapshots?.schedule();
  }

  private onConnectedChange(up: boolean): void {
    this.metrics.connected.set(up ? 1 : 0);
    if (!up) return;
    this.lastFailure = undefined;
    this.logger.info({ controlPlane: this.connection.address }, "connected to the control plane");
  }

  /** A stream failed (refused, unreachable, or lost): remember why, so callers are told. */
  private onFailure(reason: string): void {
    this.lastFailure = reason;
    // Resolvers waiting for a first state fail their calls with this reason now.
    for (const runtime of this.runtimes.values()) if (!runtime.view.initialized) runtime.poke();
  }

  private loadSnapshotFile(path: string): void {
    try {
      const loaded = readSnapshotFile(path);
      if (!loaded) return;
      this.epoch = loaded.epoch;
      for (const snapshot of loaded.services) {
        const runtime = this.runtimes.get(snapshot.service) ?? this.newRuntime(snapshot.service);
        runtime.applied(runtime.view.applySnapshot(snapshot, loaded.epoch));
      }
      this.logger.info({ path, services: loaded.services.length }, "started from the snapshot file");
    } catch (e) {
      this.logger.warn({ path, err: e }, "snapshot file unreadable; starting without it");
    }
  }

  private snapshotState() {
    const services = [...this.runtimes.values()]
      .filter((r) => r.view.initialized)
      .map((r) => r.view.toSnapshot());
    return { epoch: this.epoch, services };
  }
}

// The `mesh:` scheme exists from the moment the SDK is imported, so a channel may be created
// before the mesh client (it resolves once the mesh client exists).
registerWithGrpc();

/**
 * Connects this process to the Switchboard control plane. Every grpc-js channel to a
 * `mesh:///<service>` target then resolves, balances, breaks circuits, retries, applies deadlines
 * and rate limits through it. Create one per process (channels created before it wait for it).
 * Throws a MeshError (FAILED_PRECONDITION) naming both folders when the application uses another
 * copy of @grpc/grpc-js than the SDK, since no `mesh:` call could work then.
 */
export function createMeshClient(options: MeshClientOptions = {}): MeshClient {
  assertOneGrpcJs();
  registerWithGrpc();
  const mesh = new MeshClientImpl(resolveMeshClientOptions(options));
  registerMesh(mesh);
  mesh.start();
  return mesh;
}
