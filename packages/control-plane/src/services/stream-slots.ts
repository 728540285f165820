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

interface Counter {
  readonly limit: SlotLimit;
  readonly counts: Map<string, number>;
}

export class StreamSlots {
  private readonly counters: readonly Counter[];

  constructor(limits: readonly SlotLimit[]) {
    this.counters = limits.map((limit) => ({ limit, counts: new Map<string, number>() }));
  }

  /** Takes a slot under every limit for a stream from `peer` (call.getPeer()), or throws
   * RESOURCE_EXHAUSTED. Returns the release, which is idempotent. */
  claim(peer: string): () => void {
    const held = this.counters.map((c) => ({ ...c, key: keyOf(c.limit.scope, peer) }));
    for (const { limit, counts, key } of held) {
      if ((counts.get(key) ?? 0) >= limit.max) {
        throw new ControlPlaneError(status.RESOURCE_EXHAUSTED, limit.refusal);
      }
    }
    for (const { counts, key } of held) counts.set(key, (counts.get(key) ?? 0) + 1);
    let holding = true;
    return () => {
      if (!holding) return;
      holding = false;
      for (const { counts, key } of held) {
        const n = (counts.get(key) ?? 1) - 1;
        if (n > 0) counts.set(key, n);
        else counts.delete(key);
      }
    };
  }
}
