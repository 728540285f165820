/**
 * Slots for long-lived streams, counted from the moment a stream opens: one replica's total,
 * one client connection's and one client address's. A stream takes a slot under every limit or
 * none; refusals are RESOURCE_EXHAUSTED naming the limit that was reached and its flag.
 */
import { status } from "@grpc/grpc-js";
import { ControlPlaneError } from "../errors.js";

/** What a limit counts by: the whole replica, a client connection, or a client address. */
export type SlotScope = "replica" | "connection" | "address";

export interface SlotLimit {
  readonly scope: SlotScope;
  readonly max: number;
  /** The refusal's message: names the limit and the flag that raises it. */
  readonly refusal: string;
}

/** "10.0.0.7" of "10.0.0.7:5123", "::1" of "::1:5123" (grpc-js writes IPv6 peers unbracketed). */
export function peerAddress(peer: string): string {
  const colon = peer.lastIndexOf(":");
  const host = colon > 0 && /^[0-9]+$/.test(peer.slice(colon + 1)) ? peer.slice(0, colon) : peer;
  return host.replace(/^\[(.*)\]$/, "$1");
}

function keyOf(scope: SlotScope, peer: string): string {
  switch (scope) {
    case "replica":
      return "";
    case "connection":
      return peer;
    case "address":
      return peerAddress(peer);
  }
}

export class StreamSlots {
  private readonly counts: readonly Map<string, number>[];
  private open = 0;

  constructor(private readonly limits: readonly SlotLimit[]) {
    this.counts = limits.map(() => new Map<string, number>());
  }

  /** Takes a slot under every limit for a stream from `peer` (call.getPeer()), or throws
   * RESOURCE_EXHAUSTED. Returns the release, which is idempotent. */
  claim(peer: string): () => void {
    const keys = this.limits.map((l) => keyOf(l.scope, peer));
    this.limits.forEach((limit, i) => {
      if ((this.counts[i]?.get(keys[i] ?? "") ?? 0) >= limit.max) {
        throw new ControlPlaneError(status.RESOURCE_EXHAUSTED, limit.refusal);
      }
    });
    keys.forEach((key, i) => this.counts[i]?.set(key, (this.counts[i]?.get(key) ?? 0) + 1));
    this.open += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.open -= 1;
      keys.forEach((key, i) => {
        const n = (this.counts[i]?.get(key) ?? 1) - 1;
        if (n > 0) this.counts[i]?.set(key, n);
        else this.counts[i]?.delete(key);
      });
    };
  }

  /** Streams holding slots now. */
  get size(): number {
    return this.open;
  }
}
