import type { Clock } from "@switchboard/core";

/**
 * A map whose entries vanish `ttlMs` after they were set, measured on an injected clock: the
 * memory store's counterpart of Redis keys set with PX.
 */
export class TtlMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAtMs: number }>();

  constructor(private readonly clock: Clock) {}

  set(key: K, value: V, ttlMs: number): void {
    // Re-inserting moves the key to the end, so iteration stays in expiry order for equal TTLs.
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs: this.clock.now() + ttlMs });
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Live entries; drops the expired ones on the way. */
  live(): Array<[K, V]> {
    this.prune();
    return [...this.entries].map(([key, entry]) => [key, entry.value]);
  }

  /** Forgets expired entries, so a long-lived process does not accumulate them. */
  prune(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs <= now) this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
