/** The ioredis settings both RedisStore connections share, and what differs between them. */
import { Redis } from "ioredis";
import type { ResolvedRedisStoreOptions } from "./store-options.js";

export type ConnectionRole = "commands" | "tail";

export function createRedisClient(options: ResolvedRedisStoreOptions, role: ConnectionRole): Redis {
  return new Redis(options.url, {
    // RESP2 keeps XREAD and script replies in their classic array shapes.
    protocol: 2,
    connectionName: `switchboard-store-${role}`,
    disableClientInfo: true,
    connectTimeout: options.connectTimeoutMs,
    // The tail blocks in XREAD on purpose, so only plain commands get a deadline.
    commandTimeout: role === "commands" ? options.commandTimeoutMs : undefined,
    // Concurrent calls (keep-alives above all) share round trips without any batching code here.
    enableAutoPipelining: role === "commands",
    // A command caught by a disconnect fails at once rather than waiting for the next connection:
    // the caller learns the store is unavailable, and nothing is replayed behind its back later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(options.reconnectMaxDelayMs, 25 * 2 ** Math.min(attempt, 16)),
  });
}

/** host:port of a Redis URL, without credentials, for error messages. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "the configured Redis";
  }
}
