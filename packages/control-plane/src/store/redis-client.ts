/** The ioredis settings both RedisStore connections share, and what differs between them. */
import { Redis, type RedisOptions } from "ioredis";
import { parseRedisUrl } from "./redis-url.js";
import type { ResolvedRedisStoreOptions } from "./store-options.js";

export type ConnectionRole = "commands" | "tail";

export function createRedisClient(options: ResolvedRedisStoreOptions, role: ConnectionRole): Redis {
  const backoff = (attempt: number) => Math.min(options.reconnectMaxDelayMs, 25 * 2 ** Math.min(attempt, 16));
  const common: RedisOptions = {
    // RESP2 keeps XREAD and script replies in their classic array shapes.
    protocol: 2,
    connectionName: `switchboard-store-${role}`,
    disableClientInfo: true,
    connectTimeout: options.connectTimeoutMs,
    // The tail blocks in XREAD on purpose, so only plain commands get a deadline.
    commandTimeout: role === "commands" ? options.commandTimeoutMs : undefined,
    // A link that swallows what Redis sends (a half-open connection, a one-way partition) is
    // dropped once a command has waited this long without a byte back; then the store reports
    // itself unavailable and reconnects, instead of timing out command after command.
    socketTimeout:
      role === "commands" ? 2 * options.commandTimeoutMs : options.tailBlockMs + 2 * options.commandTimeoutMs,
    // Concurrent calls (keep-alives above all) share round trips without any batching code here.
    enableAutoPipelining: role === "commands",
    // A command caught by a disconnect fails at once rather than waiting for the next connection:
    // the caller learns the store is unavailable, and nothing is replayed behind its back later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: backoff,
  };
  const target = parseRedisUrl(options.url);
  if (target.kind === "server") return new Redis(target.url, common);
  return new Redis({
    ...common,
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.masterName,
    role: "master",
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    sentinelCommandTimeout: options.commandTimeoutMs,
    sentinelRetryStrategy: backoff,
    // Sentinel announces a promotion (+switch-master): the connections drop at once and reconnect
    // to the new master, even when the old one hangs rather than closing its sockets.
    failoverDetector: true,
  });
}
