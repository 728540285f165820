import { performance } from "node:perf_hooks";
import { type ServerDuplexStream, status } from "@grpc/grpc-js";
import type { Clock } from "@switchboard/core";
import {
  DiscoveryService,
  type Hello,
  type WatchRequest,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Logger } from "pino";
import { ControlPlaneError, invalidArgument } from "../errors.js";
import type { DiscoveryHub } from "../hub/hub.js";
import type { WatchSink } from "../hub/types.js";
import type { WatchSession } from "../hub/watch-session.js";
import { checkClientId, checkLabel, checkZone, expect } from "../validation.js";
import { authorize, observe, type RpcContext, type RpcStatus, toStatus } from "./rpc.js";
import { decoded } from "./tolerant-decoding.js";
import { applyWatchRequest, subscribeOrReject } from "./watch-request.js";

const METHOD = "Discovery/Watch";

/** Discovery with responses written as pre-encoded bytes (shared between subscribers). */
export const DiscoveryWireService = {
  watch: { ...DiscoveryService.watch, responseSerialize: (value: Buffer): Buffer => value },
} as const;

export type WatchCall = ServerDuplexStream<WatchRequest, Buffer>;

export interface DiscoveryDeps {
  readonly hub: DiscoveryHub;
  readonly clock: Clock;
  /** Discovery streams this replica holds at most. */
  readonly maxWatchStreams: number;
  /** ... and one client connection holds at most. */
  readonly maxWatchStreamsPerConnection: number;
  readonly logger: Logger;
}

function sinkOf(call: WatchCall): WatchSink {
  return {
    write: (b: Buffer) => call.write(b),
    onceDrain: (l: () => void) => call.once("drain", l),
    buffered: () => call.writableLength,
  };
}

/** One Watch stream: Hello first, then requests applied to its hub session. The session is
 * always released (unsubscribed), however the stream ends. */
class WatchStream {
  private readonly started = performance.now();
  private session: WatchSession | undefined;
  private done = false;

  constructor(
    private readonly ctx: RpcContext,
    private readonly deps: DiscoveryDeps,
    private readonly call: WatchCall,
    private readonly log: Logger,
    private readonly connection: ConnectionStreams,
    private readonly onRelease: (stream: WatchStream) => void,
  ) {}

  /** False when the stream was refused (auth, limits) and has already ended. */
  open(): boolean {
    try {
      authorize(this.ctx, "discovery", this.call.metadata);
      if (this.deps.hub.sessionCount >= this.deps.maxWatchStreams) {
        const message = `this replica holds its limit of ${this.deps.maxWatchStreams} Discovery streams; connect to another replica`;
        throw new ControlPlaneError(status.RESOURCE_EXHAUSTED, message);
      }
      this.connection.add(this.deps.maxWatchStreamsPerConnection);
    } catch (error) {
      this.fail(error);
      return false;
    }
    this.call.on("data", (req: WatchRequest) => this.receive(req));
    this.call.on("end", () => this.finish(undefined));
    this.call.on("cancelled", () => this.release(status.CANCELLED));
    this.call.on("error", () => this.release(status.UNKNOWN));
    return true;
  }

  /** Ends the stream with `s` (OK when undefined). */
  finish(s: RpcStatus | undefined): void {
    if (this.done) return;
    this.release(s?.code ?? status.OK);
    if (s && s.code !== status.OK) this.call.emit("error", { code: s.code, details: s.details });
    else this.call.end();
  }

  private fail(error: unknown): void {
    this.finish(toStatus(error, this.log, METHOD));
  }

  private release(code: status): void {
    if (this.done) return;
    this.done = true;
    this.connection.remove();
    if (this.session) this.deps.hub.closeSession(this.session);
    observe(this.ctx, METHOD, code, this.started);
    this.onRelease(this);
  }

  private receive(req: WatchRequest): void {
    if (this.done) return;
    try {
      const request = decoded(req);
      if (this.session) applyWatchRequest(this.session, request);
      else this.session = this.hello(request);
    } catch (error) {
      this.fail(error);
    }
  }

  private hello(req: WatchRequest): WatchSession {
    if (req.kind?.$case !== "hello") {
      throw invalidArgument("hello", "the first message on a Watch stream must be hello (with client_id)");
    }
    const hello: Hello = req.kind.hello;
    const info = {
      clientId: expect(checkClientId(hello.clientId)),
      zone: expect(checkZone(hello.zone, "hello.zone")),
      sdkVersion: expect(checkLabel(hello.sdkVersion, "hello.sdk_version")),
      peer: this.call.getPeer(),
      connectedAtMs: Math.floor(this.deps.clock.now()),
    };
    expect(checkLabel(hello.epoch, "hello.epoch"));
    const session = this.deps.hub.openSession(sinkOf(this.call), info, hello.epoch);
    for (const [service, version] of Object.entries(hello.knownVersions ?? {})) {
      subscribeOrReject(session, service, version, `hello.known_versions["${service.slice(0, 64)}"]`);
    }
    this.log.debug({ clientId: info.clientId, peer: info.peer }, "watch stream opened");
    return session;
  }
}

/** Counts the Discovery streams of one client connection (its peer address). */
class ConnectionStreams {
  private added = false;

  constructor(
    private readonly peer: string,
    private readonly counts: Map<string, number>,
  ) {}

  /** Counts this stream, or throws RESOURCE_EXHAUSTED when the connection holds `max` already. */
  add(max: number): void {
    const n = this.counts.get(this.peer) ?? 0;
    if (n >= max) {
      const message = `at most ${max} Discovery streams per client connection (an SDK process needs one); close the ones you do not use`;
      throw new ControlPlaneError(status.RESOURCE_EXHAUSTED, message);
    }
    this.counts.set(this.peer, n + 1);
    this.added = true;
  }

  remove(): void {
    if (!this.added) return;
    this.added = false;
    const n = (this.counts.get(this.peer) ?? 1) - 1;
    if (n > 0) this.counts.set(this.peer, n);
    else this.counts.delete(this.peer);
  }
}

/** switchboard.v1.Discovery.Watch: one stream per SDK process, each with its own hub session. */
export class WatchStreams {
  private readonly open = new Set<WatchStream>();
  private readonly perConnection = new Map<string, number>();
  private readonly log: Logger;

  constructor(
    private readonly ctx: RpcContext,
    private readonly deps: DiscoveryDeps,
  ) {
    this.log = deps.logger.child({ component: "discovery" });
  }

  readonly handler = (call: WatchCall): void => {
    const connection = new ConnectionStreams(call.getPeer(), this.perConnection);
    const stream = new WatchStream(this.ctx, this.deps, call, this.log, connection, (s) =>
      this.open.delete(s),
    );
    if (stream.open()) this.open.add(stream);
  };

  /** Ends every stream (on shutdown) with OK; clients reconnect, to another replica if need be. */
  endAll(): void {
    for (const stream of [...this.open]) stream.finish(undefined);
  }

  get size(): number {
    return this.open.size;
  }
}
