import { type ClientDuplexStream, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { MeshError } from "@switchboard/core";
import {
  type AwaitPropagationResponse,
  type KeepAliveRequest,
  type KeepAliveResponse,
  KeepAliveResponse_LeaseState as LeaseState,
  type RegisterRequest,
  type RegistrationClient,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import type { Logger } from "pino";
import { Backoff, type BackoffOptions } from "../client/backoff.js";

export interface RegistrarOptions {
  /** One client per control-plane replica; the registrar moves to the next one on failure. */
  readonly clients: readonly RegistrationClient[];
  readonly token: string | undefined;
  readonly logger: Logger;
  /** What to register (health is the registrar's current one). */
  readonly endpoint: Omit<RegisterRequest, "health">;
  readonly backoff: BackoffOptions;
  /** Deadline of unary calls to the control plane. */
  readonly rpcTimeoutMs: number;
}

/**
 * Codes that say the registration itself is wrong or not allowed: the first registration fails
 * with them at once; a re-registration keeps trying (a token being rotated, a replica not yet
 * given the new one).
 */
const FATAL = new Set<number>([status.INVALID_ARGUMENT, status.UNAUTHENTICATED, status.PERMISSION_DENIED]);

type KeepAliveStream = ClientDuplexStream<KeepAliveRequest, KeepAliveResponse>;

/**
 * Keeps one endpoint registered: registers (retrying with backoff on the next replica while one
 * is unreachable), renews the lease on a KeepAlive stream every third of its TTL carrying the
 * current health, registers again when the lease is lost (expired, or the store was wiped),
 * and stops for good when an operator revoked it.
 */
export class Registrar {
  leaseId: string | undefined;
  version = 0;
  revoked = false;
  private health = HealthStatus.HEALTH_STATUS_SERVING;
  private ttlMs = 0;
  private stream: KeepAliveStream | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  /** Health reports waiting for their answer: answers come in request order on the stream. */
  private readonly pendingAcks: { seq: number; resolve: (version: number | undefined) => void }[] = [];
  private sent = 0;
  private received = 0;
  private registering: Promise<void> | undefined;
  private closed = false;
  private replica = 0;

  constructor(private readonly options: RegistrarOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  /** Registers; resolves once registered, rejects on a registration the control plane refuses. */
  start(): Promise<void> {
    return this.registerOnce(true);
  }

  private registerOnce(first: boolean): Promise<void> {
    this.registering ??= this.registerLoop(first).finally(() => {
      this.registering = undefined;
    });
    return this.registering;
  }

  /** Reports a new health; resolves with the service version once the control plane has it. */
  setHealth(health: HealthStatus): Promise<number | undefined> {
    this.health = health;
    if (!this.stream || !this.leaseId) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.write({ leaseId: this.leaseId ?? "", health });
      this.pendingAcks.push({ seq: this.sent, resolve });
    });
  }

  awaitPropagation(version: number, timeoutMs: number): Promise<AwaitPropagationResponse> {
    const service = this.options.endpoint.service;
    return new Promise((resolve, reject) => {
      this.client.awaitPropagation(
        { service, version, timeoutMs },
        this.metadata(),
        { deadline: Date.now() + timeoutMs + this.options.rpcTimeoutMs },
        (e, r) => (e || !r ? reject(e ?? new Error("no response")) : resolve(r)),
      );
    });
  }

  /** Removes the endpoint at once and stops renewing. */
  async deregister(): Promise<void> {
    const leaseId = this.leaseId;
    this.stop();
    if (!leaseId) return;
    await new Promise<void>((resolve) => {
      this.client.deregister(
        { leaseId },
        this.metadata(),
        { deadline: Date.now() + this.options.rpcTimeoutMs },
        (e) => {
          resolve(); // first: a logger that throws must not hold the drain
          if (e)
            this.options.logger.warn({ err: e.details }, "deregister failed; the lease will expire instead");
        },
      );
    });
  }

  close(): void {
    this.stop();
  }

  private stop(): void {
    this.closed = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.renewTimer = undefined;
    this.retryTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    this.failPending();
  }

  private write(request: KeepAliveRequest): void {
    if (!this.stream) return;
    this.sent++;
    this.stream.write(request);
  }

  private failPending(): void {
    for (const p of this.pendingAcks.splice(0)) p.resolve(undefined);
  }

  /** The client of the replica in use. */
  private get client(): RegistrationClient {
    const clients = this.options.clients;
    return clients[this.replica % clients.length] as RegistrationClient;
  }

  /** After a failure: try the next replica next time. */
  private nextReplica(): void {
    this.replica = (this.replica + 1) % this.options.clients.length;
  }

  private metadata(): Metadata {
    const m = new Metadata();
    if (this.options.token) m.set("authorization", `Bearer ${this.options.token}`);
    return m;
  }

  private register(): Promise<void> {
    const request: RegisterRequest = { ...this.options.endpoint, health: this.health };
    return new Promise((resolve, reject) => {
      this.client.register(
        request,
        this.metadata(),
        { deadline: Date.now() + this.options.rpcTimeoutMs },
        (e, r) => {
          if (e || !r) return reject(e ?? new Error("no response"));
          this.leaseId = r.leaseId;
          this.ttlMs = r.ttlMs;
          this.version = r.version;
          this.options.logger.info(
            { endpoint: r.endpointId, leaseId: r.leaseId.slice(0, 8), ttlMs: r.ttlMs },
            "registered",
          );
          resolve();
        },
      );
    });
  }

  private async registerLoop(first: boolean): Promise<void> {
    while (!this.closed) {
      try {
        await this.register();
        this.backoff.reset();
        this.openKeepAlive();
        return;
      } catch (e) {
        const err = e as ServiceError;
        if (FATAL.has(err.code) && first) {
          throw new MeshError(err.code, `registration refused: ${err.details}`, { cause: err });
        }
        const delay = this.backoff.next();
        const replica = this.replica;
        this.nextReplica();
        this.options.logger.warn(
          {
            err: err.details ?? String(e),
            code: status[err.code] ?? err.code,
            replica,
            next: this.replica,
            retryInMs: delay,
          },
          FATAL.has(err.code) ? "re-registration refused; retrying" : "registration failed; retrying",
        );
        await new Promise<void>((r) => {
          this.retryTimer = setTimeout(r, delay);
        });
      }
    }
  }

  private openKeepAlive(): void {
    if (this.closed) return;
    const stream = this.client.keepAlive(this.metadata());
    this.stream = stream;
    this.sent = 0;
    this.received = 0;
    stream.on("data", (r: KeepAliveResponse) => this.onKeepAlive(r));
    const lost = (why: string) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (this.renewTimer) clearInterval(this.renewTimer);
      this.renewTimer = undefined;
      this.failPending();
      if (this.closed) return;
      const delay = this.backoff.next();
      this.nextReplica();
      this.options.logger.warn({ reason: why, retryInMs: delay }, "keep-alive stream lost; reconnecting");
      this.retryTimer = setTimeout(() => this.openKeepAlive(), delay);
    };
    stream.on("error", (e: ServiceError) => lost(e.details || e.message));
    stream.on("end", () => lost("ended by the control plane"));
    const renew = () => this.leaseId && this.write({ leaseId: this.leaseId, health: this.health });
    renew();
    this.renewTimer = setInterval(renew, Math.max(100, Math.floor(this.ttlMs / 3)));
  }

  private onKeepAlive(r: KeepAliveResponse): void {
    this.received++;
    if (r.leaseId !== this.leaseId) return;
    if (r.state === LeaseState.LEASE_STATE_ACTIVE) {
      this.backoff.reset();
      this.version = Math.max(this.version, r.version);
      while (this.pendingAcks.length > 0 && (this.pendingAcks[0]?.seq ?? 0) <= this.received) {
        this.pendingAcks.shift()?.resolve(r.version);
      }
      return;
    }
    if (r.state === LeaseState.LEASE_STATE_REVOKED) {
      this.revoked = true;
      this.options.logger.error("an operator removed this endpoint (lease revoked); not registering again");
      this.stop();
      return;
    }
    this.options.logger.warn("lease lost (expired, or the registry was wiped); registering again");
    this.leaseId = undefined;
    const stream = this.stream;
    this.stream = undefined;
    if (this.renewTimer) clearInterval(this.renewTimer);
    stream?.cancel();
    this.registerOnce(false).catch((e) =>
      this.options.logger.error({ err: String(e) }, "re-registration stopped"),
    );
  }
}
