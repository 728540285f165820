/**
 * Options of both stores, with every default declared beside its field and applied in one
 * `resolve…Options()` that rejects bad values naming the field.
 */
import type { Clock } from "@switchboard/core";
import { systemClock } from "@switchboard/core";
import type { Logger } from "pino";
import { redisUrlProblem } from "./redis-url.js";

export type StoreLogger = Pick<Logger, "info" | "warn" | "error">;

/** Options both stores share. */
export interface CommonStoreOptions {
  /** Changes kept per service, how far `changesSince` reaches back (1..1000000). Default 1000. */
  readonly changeLogLength?: number;
  /** A service with no endpoint and no policy for this long is forgotten by the lease reaper
   * (its name, version and change log), so names used once do not accumulate
   * (60000..31536000000). Default 86400000 (24 h). A service that comes back later continues
   * above every version handed out before. */
  readonly serviceRetentionMs?: number;
  /** How long the reply to a mutation carrying a request id is remembered, so a retry with the
   * same id answers it instead of applying the mutation twice (1000..86400000). Default 300000
   * (5 min). */
  readonly requestIdRetentionMs?: number;
  /** Where listener errors are reported. Default: a process warning. */
  readonly logger?: StoreLogger;
}

export interface MemoryStoreOptions extends CommonStoreOptions {
  /** Clock for the TTLs the store keeps itself (subscriber lists, lease revocations, request
   * ids). Default `systemClock`. Lease deadlines use the `nowMs` the caller passes instead. */
  readonly clock?: Clock;
}

export interface RedisStoreOptions extends CommonStoreOptions {
  /** "redis://[user:password@]host:port[/db]" (or "rediss://" for TLS), or
   * "redis+sentinel://[[user]:password@]host:port[,host:port...]/<master-name>[?db=N]" for the
   * master a set of Redis Sentinels names, followed through failovers. Required. */
  readonly url: string;
  /** Every key starts with `{keyPrefix}:`; the braces keep all keys in one cluster slot.
   * 1..64 of [A-Za-z0-9._:-]. Default "switchboard". */
  readonly keyPrefix?: string;
  /** Approximate length the shared change stream is trimmed to (1..10000000). Default 10000. A
   * replica that falls further behind than this re-reads every service it follows. */
  readonly streamMaxLength?: number;
  /** The clock of lease deadlines: "redis", the Redis server's TIME, one clock for every
   * replica (a replica whose own clock is off expires nothing early); or "caller", the `nowMs`
   * each call passes (tests driving leases with a fake clock). Default "redis". */
  readonly leaseClock?: "redis" | "caller";
  /** A command without a reply after this long fails with UNAVAILABLE (50..60000). Default 1000. */
  readonly commandTimeoutMs?: number;
  /** A connection attempt is abandoned after this long (100..60000). Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Upper bound of the exponential reconnect delay (10..60000). Default 1000. */
  readonly reconnectMaxDelayMs?: number;
  /** How long one XREAD of the change stream blocks before it is reissued (10..60000). Default 5000. */
  readonly tailBlockMs?: number;
  /** Stream entries read per XREAD (1..10000). Default 500. */
  readonly tailBatchSize?: number;
}

export interface ResolvedCommonStoreOptions {
  readonly changeLogLength: number;
  readonly serviceRetentionMs: number;
  readonly requestIdRetentionMs: number;
  readonly logger: StoreLogger | undefined;
}

export interface ResolvedMemoryStoreOptions extends ResolvedCommonStoreOptions {
  readonly clock: Clock;
}

export interface ResolvedRedisStoreOptions extends ResolvedCommonStoreOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly streamMaxLength: number;
  readonly leaseClock: "redis" | "caller";
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly tailBlockMs: number;
  readonly tailBatchSize: number;
}

const KEY_PREFIX = /^[A-Za-z0-9._:-]{1,64}$/;

function intInRange(
  field: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new RangeError(`${field} must be an integer in ${min}..${max} (got ${String(v)})`);
  }
  return v;
}

function resolveCommonStoreOptions(options: CommonStoreOptions): ResolvedCommonStoreOptions {
  return {
    changeLogLength: intInRange("changeLogLength", options.changeLogLength, 1000, 1, 1_000_000),
    serviceRetentionMs: intInRange(
      "serviceRetentionMs",
      options.serviceRetentionMs,
      86_400_000,
      60_000,
      31_536_000_000,
    ),
    requestIdRetentionMs: intInRange(
      "requestIdRetentionMs",
      options.requestIdRetentionMs,
      300_000,
      1000,
      86_400_000,
    ),
    logger: options.logger,
  };
}

export function resolveMemoryStoreOptions(options: MemoryStoreOptions = {}): ResolvedMemoryStoreOptions {
  return { ...resolveCommonStoreOptions(options), clock: options.clock ?? systemClock };
}

export function resolveRedisStoreOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  const urlProblem = redisUrlProblem(options.url);
  if (urlProblem !== undefined) throw new RangeError(`url ${urlProblem}`);
  const keyPrefix = options.keyPrefix ?? "switchboard";
  if (!KEY_PREFIX.test(keyPrefix)) {
    throw new RangeError(`keyPrefix must be 1..64 of [A-Za-z0-9._:-] (got ${JSON.stringify(keyPrefix)})`);
  }
  const leaseClock = options.leaseClock ?? "redis";
  if (leaseClock !== "redis" && leaseClock !== "caller") {
    throw new RangeError(`leaseClock must be "redis" or "caller" (got ${String(leaseClock)})`);
  }
  return {
    ...resolveCommonStoreOptions(options),
    url: options.url,
    keyPrefix,
    streamMaxLength: intInRange("streamMaxLength", options.streamMaxLength, 10_000, 1, 10_000_000),
    leaseClock,
    commandTimeoutMs: intInRange("commandTimeoutMs", options.commandTimeoutMs, 1000, 50, 60_000),
    connectTimeoutMs: intInRange("connectTimeoutMs", options.connectTimeoutMs, 2000, 100, 60_000),
    reconnectMaxDelayMs: intInRange("reconnectMaxDelayMs", options.reconnectMaxDelayMs, 1000, 10, 60_000),
    tailBlockMs: intInRange("tailBlockMs", options.tailBlockMs, 5000, 10, 60_000),
    tailBatchSize: intInRange("tailBatchSize", options.tailBatchSize, 500, 1, 10_000),
  };
}
