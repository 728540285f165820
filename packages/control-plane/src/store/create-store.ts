import { MemoryStore } from "./memory-store.js";
import { RedisStore } from "./redis-store.js";
import type { MemoryStoreOptions, RedisStoreOptions } from "./store-options.js";
import type { Store } from "./types.js";

/** Options for `createStore`: with a `url`, the Redis options apply; without one, the memory ones. */
export type StoreOptions = MemoryStoreOptions &
  Partial<Omit<RedisStoreOptions, "url">> & {
    /** Redis URL. Absent or empty: the embedded in-memory store. */
    readonly url?: string | undefined;
  };

/** A RedisStore when a Redis URL is given, else the embedded MemoryStore. */
export function createStore(options: StoreOptions = {}): Store {
  const { url, clock, ...rest } = options;
  if (url !== undefined && url !== "") return new RedisStore({ ...rest, url });
  const { changeLogLength, serviceRetentionMs, requestIdRetentionMs, logger } = rest;
  return new MemoryStore({ clock, changeLogLength, serviceRetentionMs, requestIdRetentionMs, logger });
}
