/**
 * A replica that cannot reach its store cannot tell its clients about any change, while other
 * replicas can. Once the store has been unavailable for longer than a grace period, this ends
 * the replica's Discovery and xDS streams with UNAVAILABLE, spread over a short window so the
 * other replicas are not hit by every client at the same instant, and refuses new streams until
 * the store is back. Clients reconnect to another replica; when none can serve, they keep their
 * last state and retry with backoff. A short blip (shorter than the grace) moves nobody.
 */
import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ControlPlaneError } from "../errors.js";
import { realTimers, type Timers } from "../timers.js";
import type { RpcStatus } from "./rpc.js";

/** The ends are spread over this long after the grace period, in ms. */
export const SHED_SPREAD_MS = 2000;
/** The spread is paced in steps this long, in ms. */
const SHED_STEP_MS = 50;

export const SHED_DETAILS = "this replica cannot reach its store; reconnect to another replica";

export interface OutageShedderOptions {
  /** How long the store may stay unavailable before streams are shed, in ms; 0: never. */
  readonly graceMs: number;
  readonly logger: Logger;
  /** Default SHED_SPREAD_MS. */
  readonly spreadMs?: number;
  readonly timers?: Timers;
  /** Uniform in [0, 1): the order streams are ended in. Default Math.random. */
  readonly random?: () => number;
}

/** Ends one stream with a status. */
export type StreamEnder = (s: RpcStatus) => void;

/** The one place that knows whether this replica sheds its streams, fed by the store's
 * availability. */
export class OutageShedder {
  private readonly open = new Set<StreamEnder>();
  private readonly timers: Timers;
  private readonly spreadMs: number;
  private readonly log: Logger;
  private graceTimer: unknown;
  private stepTimer: unknown;
  private shedding = false;
  /** Streams ended because the store was unavailable, since start. */
  shed = 0;

  constructor(private readonly opts: OutageShedderOptions) {
    this.timers = opts.timers ?? realTimers;
    this.spreadMs = opts.spreadMs ?? SHED_SPREAD_MS;
    this.log = opts.logger.child({ component: "discovery" });
  }

  /** True from the end of the grace period until the store is back. */
  get isShedding(): boolean {
    return this.shedding;
  }

  /** Told of every change of the store's availability. */
  storeAvailability(available: boolean): void {
    if (available) {
      this.cancel();
      if (this.shedding) this.log.info("store reachable again: accepting Discovery and xDS streams");
      this.shedding = false;
      return;
    }
    if (this.opts.graceMs === 0 || this.graceTimer !== undefined || this.shedding) return;
    this.graceTimer = this.timers.setTimeout(() => this.startShedding(), this.opts.graceMs);
  }

  /** Throws UNAVAILABLE while shedding: a new stream is refused. */
  admit(): void {
    if (this.shedding) throw new ControlPlaneError(status.UNAVAILABLE, SHED_DETAILS);
  }

  /** Tracks an open stream, so it can be shed; the returned function stops tracking it. */
  track(end: StreamEnder): () => void {
    this.open.add(end);
    return () => {
      this.open.delete(end);
    };
  }

  /** Stops the timers (on stop). */
  close(): void {
    this.cancel();
  }

  private cancel(): void {
    this.timers.clearTimeout(this.graceTimer);
    this.timers.clearTimeout(this.stepTimer);
    this.graceTimer = undefined;
    this.stepTimer = undefined;
  }

  private startShedding(): void {
    this.graceTimer = undefined;
    this.shedding = true;
    const order = shuffled([...this.open], this.opts.random ?? Math.random);
    this.log.warn(
      { streams: order.length, graceMs: this.opts.graceMs, spreadMs: this.spreadMs },
      "store unreachable past the grace period: ending Discovery and xDS streams so clients move to another replica",
    );
    const steps = Math.max(1, Math.ceil(this.spreadMs / SHED_STEP_MS));
    this.step(order, 0, steps);
  }

  /** Ends the streams due by step `i` of `steps`, then schedules the next step. */
  private step(order: StreamEnder[], i: number, steps: number): void {
    this.stepTimer = undefined;
    const due = Math.ceil((order.length * (i + 1)) / steps);
    for (let k = Math.ceil((order.length * i) / steps); k < due; k++) {
      const end = order[k];
      if (!end || !this.open.has(end)) continue;
      this.shed += 1;
      end({ code: status.UNAVAILABLE, details: SHED_DETAILS });
    }
    if (i + 1 < steps) {
      this.stepTimer = this.timers.setTimeout(() => this.step(order, i + 1, steps), this.spreadMs / steps);
    }
  }
}

/** `items`, shuffled in place (Fisher-Yates). */
function shuffled<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
