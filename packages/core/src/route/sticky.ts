/**
 * Sticky splits: where a key (the value of a rule's hash header) lands. Every client computes the
 * same bucket for the same key, and a rule's destinations own consecutive bucket ranges in table
 * order, each `weight` x 10,000 buckets wide. So the same key reaches the same destination in
 * every process, and moving weight from one destination to the next moves only the keys in the
 * range that changed hands (90/10 -> 80/20 moves the keys in buckets 800,000..899,999).
 */
import type { ResolvedDestination } from "./types.js";

/** Buckets in all: one per millionth of the traffic. */
export const STICKY_BUCKETS = 1_000_000;

/** FNV-1a, 32 bits, over the key's UTF-8 bytes, then reduced to a bucket in [0, STICKY_BUCKETS). */
export function stickyBucket(key: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(key, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Fold the high bits in so nearby keys ("user-1", "user-2") spread over the whole range.
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h % STICKY_BUCKETS;
}

/** The destination that owns `bucket` (0..999,999), or undefined when the weights do not reach it. */
export function destinationForBucket<D extends Pick<ResolvedDestination, "weight">>(
  destinations: readonly D[],
  bucket: number,
): D | undefined {
  let end = 0;
  for (const d of destinations) {
    end += d.weight * (STICKY_BUCKETS / 100);
    if (bucket < end) return d;
  }
  return undefined;
}
