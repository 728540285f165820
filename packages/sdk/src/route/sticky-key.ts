import { STICKY_BUCKETS, stickyBucket } from "@switchboard/core";

/**
 * core's `stickyBucket` without its per-call Buffer: the same FNV-1a over the key's UTF-8 bytes
 * and the same final fold, for keys of ASCII characters (user ids, session ids), which hash a
 * character at a time. Any other key goes through core's function itself. A test checks both
 * agree; core's definition is the rule.
 */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return stickyBucket(key);
    h ^= c;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h % STICKY_BUCKETS;
}
