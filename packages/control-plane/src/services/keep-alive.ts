import { performance } from "node:perf_hooks";
import { type handleBidiStreamingCall, type ServerDuplexStream, status } from "@grpc/grpc-js";
import { healthFromProto } from "@switchboard/core";
import {
  type KeepAliveRequest,
  type KeepAliveResponse,
  KeepAliveResponse_LeaseState as LeaseState,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import type { Logger } from "pino";
import { invalidArgument } from "../errors.js";
import type { RenewItem, RenewResult, Store } from "../store/types.js";
import { checkLeaseId, expect } from "../validation.js";
import { authorize, observe, type RpcContext, type RpcStatus, toStatus } from "./rpc.js";
import { decoded } from "./tolerant-decoding.js";

const METHOD = "Registration/KeepAlive";
/** Requests read ahead of the store; past this the stream stops reading until it catches up. */
const MAX_QUEUED = 32;

export interface KeepAliveDeps {
  readonly store: Store;
  readonly now: () => number;
  readonly logger: Logger;
}

type KeepAliveCall = ServerDuplexStream<KeepAliveRequest, KeepAliveResponse>;

/** Renewals per store call at most. */
const MAX_BATCH = 256;

interface PendingRenewal {
  readonly item: RenewItem;
  resolve(result: RenewResult): void;
  reject(error: unknown): void;
}

/**
 * Sends the renewals that arrive in one turn of the event loop, from every stream, to the store
 * together (`Store.renewMany`: one round trip and one script run for many leases) instead of
 * one store call each: keep-alives are the write path's bulk.
 */
export class RenewBatcher {
  private pending: PendingRenewal[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  renew(item: RenewItem): Promise<RenewResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) {
      const batch = all.slice(i, i + MAX_BATCH);
      this.store
        .renewMany(
          batch.map((p) => p.item),
          this.now(),
        )
        .then(
          (results) => {
            for (let j = 0; j < batch.length; j++) batch[j]?.resolve(results[j] as RenewResult);
          },
          (error: unknown) => {
            for (const p of batch) p.reject(error);
          },
        );
    }
  }
}

async function renewOne(raw: KeepAliveRequest, batcher: RenewBatcher): Promise<KeepAliveResponse> {
  const req = decoded(raw);
  const leaseId = expect(checkLeaseId(req.leaseId));
  const health = healthFromProto(req.health);
  if (health === "invalid") throw invalidArgument("health", `unknown health status ${req.health}`);
  const r = await batcher.renew({ leaseId, health });
  switch (r.status) {
    case "active":
      return { leaseId, state: LeaseState.LEASE_STATE_ACTIVE, ttlMs: r.ttlMs, version: r.version };
    case "not_found":
      return { leaseId, state: LeaseState.LEASE_STATE_NOT_FOUND, ttlMs: 0, version: 0 };
    case "revoked":
      return { leaseId, state: LeaseState.LEASE_STATE_REVOKED, ttlMs: 0, version: 0 };
  }
}

/** One KeepAlive stream: every request is renewed at once (batched with other streams') and
 * answered in arrival order. */
class KeepAliveStream {
  private readonly started = performance.now();
  private done = false;
  private queued = 0;
  /** Waiting for the client to read the answers already written. */
  private draining = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: RpcContext,
    private readonly deps: KeepAliveDeps,
    private readonly batcher: RenewBatcher,
    private readonly call: KeepAliveCall,
    private readonly onDone: (stream: KeepAliveStream) => void,
  ) {}

  run(): void {
    try {
      authorize(this.ctx, "registration", this.call.metadata);
    } catch (error) {
      this.finish(toStatus(error, this.deps.logger, METHOD));
      return;
    }
    this.call.on("data", (req: KeepAliveRequest) => this.enqueue(req));
    this.call.on("end", () => {
      this.chain = this.chain.then(() => this.finish(undefined));
    });
    this.call.on("cancelled", () => {
      if (!this.done) observe(this.ctx, METHOD, status.CANCELLED, this.started);
      this.settle();
    });
    this.call.on("error", () => this.settle());
  }

  private settle(): void {
    this.done = true;
    this.onDone(this);
  }

  private enqueue(req: KeepAliveRequest): void {
    this.queued += 1;
    if (this.queued >= MAX_QUEUED) this.call.pause();
    const response = renewOne(req, this.batcher);
    response.catch(() => undefined); // handled, in order, by answer()
    this.chain = this.chain.then(() => this.answer(response));
  }

  private async answer(pending: Promise<KeepAliveResponse>): Promise<void> {
    if (this.done) return;
    try {
      const response = await pending;
      // A client that does not read its answers stops being read from: nothing piles up here.
      if (!this.done && !this.call.write(response)) this.waitForDrain();
    } catch (error) {
      this.finish(toStatus(error, this.deps.logger, METHOD));
    } finally {
      this.queued -= 1;
      if (this.queued < MAX_QUEUED / 2 && !this.draining && this.call.isPaused()) this.call.resume();
    }
  }

  private waitForDrain(): void {
    if (this.draining) return;
    this.draining = true;
    this.call.pause();
    this.call.once("drain", () => {
      this.draining = false;
      if (this.queued < MAX_QUEUED / 2 && !this.done) this.call.resume();
    });
  }

  /** Ends the stream with `s` (OK when undefined). */
  finish(s: RpcStatus | undefined): void {
    if (this.done) return;
    this.settle();
    observe(this.ctx, METHOD, s?.code ?? status.OK, this.started);
    if (s && s.code !== status.OK) this.call.emit("error", { code: s.code, details: s.details });
    else this.call.end();
  }
}

/**
 * Registration.KeepAlive: renews leases in the order they arrive (several leases may share the
 * stream) and answers each request with the lease's state. A bad request or a store failure
 * ends the stream with a status the SDK reconnects on.
 */
export class KeepAliveStreams {
  private readonly open = new Set<KeepAliveStream>();
  private readonly batcher: RenewBatcher;

  constructor(
    private readonly ctx: RpcContext,
    private readonly deps: KeepAliveDeps,
  ) {
    this.batcher = new RenewBatcher(deps.store, deps.now);
  }

  readonly handler: handleBidiStreamingCall<KeepAliveRequest, KeepAliveResponse> = (call: KeepAliveCall) => {
    const stream = new KeepAliveStream(this.ctx, this.deps, this.batcher, call, (s) => this.open.delete(s));
    this.open.add(stream);
    stream.run();
  };

  /** Ends every stream (on shutdown); instances renew through another replica. */
  endAll(): void {
    for (const s of [...this.open]) s.finish(undefined);
  }
}
