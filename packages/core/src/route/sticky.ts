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

function fnv(h: number, byte: number): number {
  return Math.imul(h ^ byte, 0x01000193) >>> 0;
}

/**
 * FNV-1a, 32 bits, over the key's UTF-8 bytes, then reduced to a bucket in [0, STICKY_BUCKETS).
 * Encodes UTF-8 as it goes, so the per-call path allocates nothing.
 */
export function stickyBucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      h ^= c;
      h = Math.imul(h, 0x01000193) >>> 0;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < key.length) {
      const low = key.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate encodes as U+FFFD, as in Buffer.from
    if (c < 0x800) {
      h = fnv(h, 0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      h = fnv(fnv(h, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f));
    } else {
      h = fnv(fnv(fnv(h, 0xf0 | (c >> 18)), 0x80 | ((c >> 12) & 0x3f)), 0x80 | ((c >> 6) & 0x3f));
    }
    h = fnv(h, 0x80 | (c & 0x3f));
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
