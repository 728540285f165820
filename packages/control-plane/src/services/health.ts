import { performance } from "node:perf_hooks";
import { type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@switchboard/core/gen/grpc/health/v1/health.js";
import { observe, type RpcContext, serviceError, toStatus } from "./rpc.js";
import { StreamSlots } from "./stream-slots.js";

/** The names grpc.health.v1 answers for: "" (the whole server) and each served service. */
export const HEALTH_SERVICE_NAMES = [
  "",
  "switchboard.v1.Discovery",
  "switchboard.v1.Registration",
  "switchboard.v1.Admin",
] as const;

/** How many Watch streams are served: Check needs no slot, so probes are never refused. */
export interface HealthWatchLimits {
  readonly maxWatchStreams: number;
  readonly maxWatchStreamsPerPeer: number;
}

/**
 * Serving status of the control plane: SERVING while it is started, not shutting down and its
 * store is reachable. Also holds the slots of the Watch streams that follow it.
 */
export class HealthState {
  readonly watchSlots: StreamSlots;
  private started = false;
  private stopping = false;
  private storeAvailable = true;
  private readonly listeners = new Set<() => void>();
  private readonly closers = new Set<() => void>();

  constructor(limits: HealthWatchLimits) {
    this.watchSlots = new StreamSlots([
      {
        scope: "replica",
        max: limits.maxWatchStreams,
        refusal: `this replica holds its limit of ${limits.maxWatchStreams} Health.Watch streams (--max-health-watch-streams); poll with Health.Check instead`,
      },
      {
        scope: "address",
        max: limits.maxWatchStreamsPerPeer,
        refusal: `at most ${limits.maxWatchStreamsPerPeer} Health.Watch streams per client address (--max-health-watch-streams-per-peer); poll with Health.Check instead`,
      },
    ]);
  }

  current(service: string): ServingStatus {
    if (!(HEALTH_SERVICE_NAMES as readonly string[]).includes(service)) return ServingStatus.SERVICE_UNKNOWN;
    const serving = this.started && !this.stopping && this.storeAvailable;
    return serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  setStarted(): void {
    this.started = true;
    this.emit();
  }

  setStoreAvailable(available: boolean): void {
    this.storeAvailable = available;
    this.emit();
  }

  /** From now on NOT_SERVING, whatever else happens. */
  setShuttingDown(): void {
    this.stopping = true;
    this.emit();
  }

  onChange(listener: () => void): () => boolean {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `closer` on close() (ends a Watch stream). */
  onClose(closer: () => void): () => void {
    this.closers.add(closer);
    return () => this.closers.delete(closer);
  }

  /** Ends every Watch stream (after they were told NOT_SERVING). */
  close(): void {
    for (const c of [...this.closers]) c();
  }

  private emit(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** grpc.health.v1.Health (Check and Watch). Open to every caller, with or without tokens:
 * probes (Kubernetes, grpc-health-probe) call Check, which holds nothing. Watch holds a stream,
 * so it takes a slot, per replica and per client address. */
export function healthHandlers(ctx: RpcContext, state: HealthState): HealthServer {
  const check = (
    call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
    callback: sendUnaryData<HealthCheckResponse>,
  ): void => {
    const started = performance.now();
    const s = state.current(call.request.service);
    if (s === ServingStatus.SERVICE_UNKNOWN) {
      observe(ctx, "Health/Check", status.NOT_FOUND, started);
      const details = `unknown service "${call.request.service.slice(0, 128)}"`;
      callback({ code: status.NOT_FOUND, details, message: details }, null);
      return;
    }
    observe(ctx, "Health/Check", status.OK, started);
    callback(null, { status: s });
  };

  const watch = (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>): void => {
    const started = performance.now();
    let release: () => void;
    try {
      release = state.watchSlots.claim(call.getPeer());
    } catch (error) {
      const s = toStatus(error, ctx.logger, "Health/Watch");
      observe(ctx, "Health/Watch", s.code, started);
      call.emit("error", serviceError(s));
      return;
    }
    let last: ServingStatus | undefined;
    const send = (): void => {
      const s = state.current(call.request.service);
      if (s !== last) call.write({ status: s });
      last = s;
    };
    const stop = state.onChange(send);
    const unclose = state.onClose(() => call.end());
    const end = (code: status) => {
      release();
      unclose();
      if (!stop()) return;
      observe(ctx, "Health/Watch", code, started);
    };
    call.on("cancelled", () => end(status.CANCELLED));
    call.on("error", () => end(status.UNKNOWN));
    call.on("finish", () => end(status.OK));
    send();
  };

  return { check, watch };
}
