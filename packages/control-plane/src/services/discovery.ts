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
import type { FleetReports } from "../fleet/fleet-reports.js";
import { StreamReports } from "../fleet/stream-reports.js";
import type { DiscoveryHub } from "../hub/hub.js";
import type { WatchSink } from "../hub/types.js";
import type { WatchSession } from "../hub/watch-session.js";
import { checkClientId, checkLabel, checkZone, expect } from "../validation.js";
import type { OutageShedder } from "./outage-shedder.js";
import { authorize, observe, type RpcContext, type RpcStatus, toStatus } from "./rpc.js";
import { StreamSlots } from "./stream-slots.js";
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
  /** ... one client connection holds at most. */
  readonly maxWatchStreamsPerConnection: number;
  /** ... and one client address (IP) holds at most, over all its connections. */
  readonly maxWatchStreamsPerPeer: number;
  /** How long a stream may stay open without sending Hello, in ms. */
  readonly helloTimeoutMs: number;
  readonly logger: Logger;
  /** Where client reports go. */
  readonly reports: { readonly fleet: FleetReports; readonly replicaId: string };
  /** Refuses and ends streams while the store is unreachable. */
  readonly shedder: OutageShedder;
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
  private reports: StreamReports | undefined;
  private done = false;
  private releaseSlots: (() => void) | undefined;
  private untrack: (() => void) | undefined;
  private helloTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: RpcContext,
    private readonly deps: DiscoveryDeps,
    private readonly call: WatchCall,
    private readonly log: Logger,
    private readonly slots: StreamSlots,
    private readonly onRelease: (stream: WatchStream) => void,
  ) {}

  /** False when the stream was refused (auth, a replica without its store, limits) and has
   * already ended. The stream holds its slots from now on, and must say Hello within the
   * deadline. */
  open(): boolean {
    try {
      authorize(this.ctx, "discovery", this.call.metadata);
      this.deps.shedder.admit();
      this.releaseSlots = this.slots.claim(this.call.getPeer());
    } catch (error) {
      this.fail(error);
      return false;
    }
    this.helloTimer = setTimeout(() => this.helloMissed(), this.deps.helloTimeoutMs);
    this.helloTimer.unref();
    this.untrack = this.deps.shedder.track((s) => this.finish(s));
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
    clearTimeout(this.helloTimer);
    this.releaseSlots?.();
    this.untrack?.();
    if (this.session) this.deps.hub.closeSession(this.session);
    observe(this.ctx, METHOD, code, this.started);
    this.onRelease(this);
  }

  private receive(req: WatchRequest): void {
    if (this.done) return;
    try {
      const request = decoded(req);
      if (request.kind?.$case === "report" && this.session) this.reports?.receive(request.kind.report);
      else if (this.session) applyWatchRequest(this.session, request);
      else {
        clearTimeout(this.helloTimer);
        this.session = this.hello(request);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private helloMissed(): void {
    if (this.session || this.done) return;
    const ms = this.deps.helloTimeoutMs;
    const message = `hello: none within ${ms} ms of opening the stream; send hello (with client_id) first (the deadline is --hello-timeout-ms)`;
    this.fail(new ControlPlaneError(status.DEADLINE_EXCEEDED, message));
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
    const { fleet, replicaId } = this.deps.reports;
    this.reports = new StreamReports(fleet, session, replicaId, this.deps.clock);
    for (const [service, version] of Object.entries(hello.knownVersions ?? {})) {
      subscribeOrReject(session, service, version, `hello.known_versions["${service.slice(0, 64)}"]`);
    }
    this.log.debug({ clientId: info.clientId, peer: info.peer }, "watch stream opened");
    return session;
  }
}

/** The Discovery stream limits, each naming the flag that raises it. */
function watchSlots(deps: DiscoveryDeps): StreamSlots {
  return new StreamSlots([
    {
      scope: "replica",
      max: deps.maxWatchStreams,
      refusal: `this replica holds its limit of ${deps.maxWatchStreams} Discovery streams (--max-watch-streams); connect to another replica`,
    },
    {
      scope: "connection",
      max: deps.maxWatchStreamsPerConnection,
      refusal: `at most ${deps.maxWatchStreamsPerConnection} Discovery streams per client connection (--max-watch-streams-per-connection; an SDK process needs one); close the ones you do not use`,
    },
    {
      scope: "address",
      max: deps.maxWatchStreamsPerPeer,
      refusal: `at most ${deps.maxWatchStreamsPerPeer} Discovery streams per client address (--max-watch-streams-per-peer), over all its connections; close the ones you do not use, or raise the limit for clients behind one address (NAT)`,
    },
  ]);
}

/** switchboard.v1.Discovery.Watch: one stream per SDK process, each with its own hub session. */
export class WatchStreams {
  private readonly open = new Set<WatchStream>();
  private readonly slots: StreamSlots;
  private readonly log: Logger;

  constructor(
    private readonly ctx: RpcContext,
    private readonly deps: DiscoveryDeps,
  ) {
    this.log = deps.logger.child({ component: "discovery" });
    this.slots = watchSlots(deps);
  }

  readonly handler = (call: WatchCall): void => {
    const stream = new WatchStream(this.ctx, this.deps, call, this.log, this.slots, (s) =>
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
