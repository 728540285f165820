import {
  Server as GrpcServer,
  type Metadata,
  type Server,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { formatEndpointId, healthToProto } from "@switchboard/core";
import { RegistrationClient } from "@switchboard/core/gen/switchboard/v1/registration.js";
import type { Logger } from "pino";
import { runServing } from "../route/propagation.js";
import { createServerTelemetry, type ServerTelemetry } from "../telemetry/index.js";
import { HealthService, HealthStatusTable } from "./health-service.js";
import { InFlightTracker } from "./in-flight.js";
import {
  advertisedHost,
  type MeshServerOptions,
  type ResolvedMeshServerOptions,
  resolveMeshServerOptions,
} from "./options.js";
import { Registrar } from "./registrar.js";
import { singleResponseInterceptor } from "./single-response.js";

export type MeshServerState = "created" | "serving" | "not_serving" | "draining" | "stopped";

export interface MeshServerAddress {
  /** "host:port" clients are told to use. */
  readonly address: string;
  readonly port: number;
  /** False when the control plane could not be reached in time (registration goes on in the background). */
  readonly registered: boolean;
}

/** A grpc-js server that registers itself with the mesh, stays registered, and drains cleanly. */
export interface MeshServer {
  /** The grpc-js server underneath (for anything not covered here). */
  readonly server: Server;
  readonly state: MeshServerState;
  /** Calls being handled now. */
  readonly inFlight: number;
  addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): this;
  /** Binds, serves grpc.health.v1, registers with the control plane and keeps the lease alive. */
  start(): Promise<MeshServerAddress>;
  /** Marks the instance SERVING or NOT_SERVING (clients stop sending it calls while not serving). */
  setServing(serving: boolean): Promise<void>;
  /**
   * Leaves without dropping a call: marks the endpoint DRAINING, waits until clients have seen
   * it, waits for in-flight calls, deregisters, and shuts the server down.
   */
  drain(): Promise<void>;
}

class MeshServerImpl implements MeshServer {
  readonly server: Server;
  state: MeshServerState = "created";
  private readonly tracker = new InFlightTracker();
  private readonly health = new HealthStatusTable();
  private readonly serviceNames: string[] = [];
  private readonly logger: Logger;
  /** OpenTelemetry instruments and spans; undefined when no provider exists. */
  private readonly telemetry: ServerTelemetry | undefined;
  private registrar: Registrar | undefined;
  private clients: RegistrationClient[] = [];
  private draining: Promise<void> | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => this.signalled(signal);

  constructor(private readonly o: ResolvedMeshServerOptions) {
    this.logger = o.logger.child({ component: "mesh-server", service: o.service });
    this.telemetry = createServerTelemetry(o);
    this.server = new GrpcServer({
      ...o.serverOptions,
      interceptors: [
        ...(this.telemetry ? [this.telemetry.interceptor] : []),
        this.tracker.interceptor,
        singleResponseInterceptor,
        ...(o.serverOptions.interceptors ?? []),
      ],
    });
    this.server.addService(HealthService, this.health.implementation);
  }

  get inFlight(): number {
    return this.tracker.inFlight;
  }

  addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): this {
    this.server.addService(
      this.telemetry?.countingSizes(service) ?? service,
      carryingHeaders(implementation),
    );
    const first = Object.values(service)[0] as { path?: string } | undefined;
    const name = first?.path?.split("/")[1];
    if (name) this.serviceNames.push(name);
    return this;
  }

  async start(): Promise<MeshServerAddress> {
    if (this.state !== "created") throw new Error("createMeshServer: start() was already called");
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(this.o.listen, this.o.credentials, (e, p) => (e ? reject(e) : resolve(p))),
    );
    const listenHost = this.o.listen.slice(0, this.o.listen.lastIndexOf(":"));
    const host = advertisedHost(listenHost, this.o.advertiseHost);
    for (const name of ["", this.o.service, ...this.serviceNames]) this.health.set(name, "SERVING");
    this.state = "serving";
    this.clients = this.o.controlPlane.map(
      (address) =>
        new RegistrationClient(address, this.o.controlPlaneCredentials, this.o.controlPlaneChannelOptions),
    );
    this.registrar = new Registrar({
      clients: this.clients,
      token: this.o.token,
      logger: this.logger,
      endpoint: {
        service: this.o.service,
        host,
        port,
        zone: this.o.zone,
        weight: this.o.weight,
        metadata: { ...this.o.metadata },
        ttlMs: this.o.leaseTtlMs,
      },
      backoff: { initialMs: 100, maxMs: 5000, multiplier: 2 },
      rpcTimeoutMs: 5000,
    });
    if (this.o.handleSignals) for (const s of ["SIGTERM", "SIGINT"] as const) process.once(s, this.onSignal);
    const registered = await this.firstRegistration();
    const address = formatEndpointId(host, port);
    this.logger.info({ address, registered }, "serving");
    return { address, port, registered };
  }

  async setServing(serving: boolean): Promise<void> {
    if (this.state !== "serving" && this.state !== "not_serving") return;
    this.state = serving ? "serving" : "not_serving";
    this.health.setAll(serving ? "SERVING" : "NOT_SERVING");
    await this.registrar?.setHealth(healthToProto(serving ? "SERVING" : "NOT_SERVING"));
  }

  drain(): Promise<void> {
    this.draining ??= this.runDrain();
    return this.draining;
  }

  private async firstRegistration(): Promise<boolean> {
    const registrar = this.registrar as Registrar;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.o.startupRegistrationTimeoutMs);
    });
    try {
      return await Promise.race([registrar.start().then(() => true as const), timeout]);
    } catch (e) {
      await this.shutdown();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private async runDrain(): Promise<void> {
    if (this.state === "created" || this.state === "stopped") return;
    this.state = "draining";
    const started = Date.now();
    this.health.setAll("NOT_SERVING");
    const registrar = this.registrar as Registrar;
    const version = await registrar.setHealth(healthToProto("DRAINING"));
    let propagated = "control plane unreachable";
    if (version !== undefined) {
      try {
        const r = await registrar.awaitPropagation(version, this.o.drainPropagationTimeoutMs);
        propagated = `${r.acknowledged}/${r.subscribers} clients acknowledged${r.complete ? "" : " (timed out)"}`;
      } catch (e) {
        propagated = `not confirmed (${String((e as Error).message)})`;
      }
    }
    const idle = await this.tracker.idle(this.o.drainInFlightTimeoutMs);
    await registrar.deregister();
    await this.shutdown();
    quietly(() =>
      this.logger.info({ propagated, inFlightFinished: idle, drainMs: Date.now() - started }, "drained"),
    );
  }

  private async shutdown(): Promise<void> {
    for (const s of ["SIGTERM", "SIGINT"] as const) process.removeListener(s, this.onSignal);
    this.registrar?.close();
    this.health.endWatches();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 5000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    for (const client of this.clients) client.close();
    this.state = "stopped";
  }

  private signalled(signal: NodeJS.Signals): void {
    quietly(() => this.logger.info({ signal }, "draining on signal"));
    this.drain().then(
      () => this.o.exitAfterSignalDrain && process.exit(0),
      (e) => {
        quietly(() => this.logger.error({ err: String(e) }, "drain failed"));
        if (this.o.exitAfterSignalDrain) process.exit(1);
      },
    );
  }
}

/**
 * The handlers of a service, each run inside its call's propagation context: calls it makes
 * through `mesh:` channels carry the headers route tables name in `propagate_headers`.
 */
function carryingHeaders(implementation: UntypedServiceImplementation): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    if (typeof handler !== "function") {
      out[name] = handler;
      continue;
    }
    const wrapped = function (this: unknown, call: { metadata: Metadata }, ...rest: unknown[]) {
      return runServing(call.metadata, () =>
        (handler as (...a: unknown[]) => unknown).call(this, call, ...rest),
      );
    };
    out[name] = wrapped as unknown as UntypedServiceImplementation[string];
  }
  return out;
}

/** A log line that fails (a logger of the caller's that throws) must not stop a drain or an exit. */
function quietly(log: () => void): void {
  try {
    log();
  } catch {
    // the line is lost; draining goes on
  }
}

/** Creates a mesh server; add services, then `start()`. */
export function createMeshServer(options: MeshServerOptions): MeshServer {
  return new MeshServerImpl(resolveMeshServerOptions(options));
}
