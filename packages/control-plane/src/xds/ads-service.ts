import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type ServerDuplexStream, status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ControlPlaneError } from "../errors.js";
import type { OutageShedder } from "../services/outage-shedder.js";
import { authorize, observe, type RpcContext, type RpcStatus, toStatus } from "../services/rpc.js";
import { AdsStream, type AdsStreamHost } from "./ads-stream.js";
import type { DiscoveryRequestMessage, DiscoveryResponseMessage } from "./messages.js";

const METHOD = "AggregatedDiscoveryService/StreamAggregatedResources";

export type AdsCall = ServerDuplexStream<DiscoveryRequestMessage, DiscoveryResponseMessage>;

export interface AdsStreamsOptions {
  readonly host: AdsStreamHost;
  /** xDS streams this replica holds at most. */
  readonly maxStreams: number;
  readonly logger: Logger;
  /** Wall-clock now, in ms (connected-at times). */
  readonly nowMs: () => number;
  /** A stream opened or closed. */
  readonly onChange: () => void;
  /** Refuses and ends streams while the store is unreachable. */
  readonly shedder: OutageShedder;
}

/**
 * envoy.service.discovery.v3.AggregatedDiscoveryService: one AdsStream per call, released
 * however the call ends. Same token (discovery scope) and transport security as Discovery.Watch.
 */
export class AdsStreams {
  private readonly open = new Map<AdsCall, AdsStream>();
  private readonly log: Logger;

  constructor(
    private readonly ctx: RpcContext,
    private readonly opts: AdsStreamsOptions,
  ) {
    this.log = opts.logger.child({ component: "xds" });
  }

  readonly handler = (call: AdsCall): void => {
    const started = performance.now();
    let finished = false;
    let untrack: (() => void) | undefined;
    const release = (code: status): void => {
      if (finished) return;
      finished = true;
      untrack?.();
      const stream = this.open.get(call);
      stream?.close();
      this.open.delete(call);
      observe(this.ctx, METHOD, code, started);
      this.opts.onChange();
    };
    const end = (s: RpcStatus): void => {
      if (finished) return;
      release(s.code);
      call.emit("error", { code: s.code, details: s.details });
    };
    const fail = (error: unknown): void => end(toStatus(error, this.log, METHOD));
    try {
      authorize(this.ctx, "discovery", call.metadata);
      this.opts.shedder.admit();
      if (this.open.size >= this.opts.maxStreams) {
        const message = `this replica holds its limit of ${this.opts.maxStreams} xDS streams; connect to another replica`;
        throw new ControlPlaneError(status.RESOURCE_EXHAUSTED, message);
      }
    } catch (error) {
      fail(error);
      return;
    }
    const sink = {
      write: (r: DiscoveryResponseMessage) => call.write(r),
      onceDrain: (l: () => void) => call.once("drain", l),
    };
    const nonces = randomBytes(6).toString("base64url");
    const stream = new AdsStream(this.opts.host, sink, call.getPeer(), this.opts.nowMs(), nonces);
    this.open.set(call, stream);
    untrack = this.opts.shedder.track(end);
    this.opts.onChange();
    call.on("data", (req: DiscoveryRequestMessage) => {
      try {
        stream.receive(req);
      } catch (error) {
        fail(error);
      }
    });
    call.on("end", () => {
      release(status.OK);
      call.end();
    });
    call.on("cancelled", () => release(status.CANCELLED));
    call.on("error", () => release(status.UNKNOWN));
  };

  streams(): readonly AdsStream[] {
    return [...this.open.values()];
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every stream with OK (on shutdown); clients reconnect, to another replica if need be. */
  endAll(): void {
    for (const [call, stream] of [...this.open]) {
      stream.close();
      this.open.delete(call);
      call.end();
    }
  }
}
