/**
 * Options of both stores, with every default declared beside its field and applied in one
 * `resolve…Options()` that rejects bad values naming the field.
 */
import type { Clock } from "@switchboard/core";
import { systemClock } from "@switchboard/core";
import type { Logger } from "pino";

export type StoreLogger = Pick<Logger, "info" | "warn" | "error">;

export interface MemoryStoreOptions {
  /** Changes kept per service, how far `changesSince` reaches back. Default 1000. */
  readonly changeLogLength?: number;
  /** Clock for the TTLs the store keeps itself (subscriber lists, lease revocations). Default
   * `systemClock`. Lease deadlines use the `nowMs` the caller passes instead. */
  readonly clock?: Clock;
  /** Where listener errors are reported. Default: a process warning. */
  readonly logger?: StoreLogger;
}

export interface RedisStoreOptions {
  /** "redis://[user:password@]host:port[/db]" (or "rediss://" for TLS). Required. */
  readonly url: string;
  /** Every key starts with `{keyPrefix}:`; the braces keep all keys in one cluster slot.
   * 1..64 of [A-Za-z0-9._:-]. Default "switchboard". */
  readonly keyPrefix?: string;
  /** Changes kept per service, how far `changesSince` reaches back (1..1000000). Default 1000. */
  readonly changeLogLength?: number;
  /** Approximate length the shared change stream is trimmed to (100..10000000). Default 10000. */
  readonly streamMaxLength?: number;
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
  /** Connection events and listener errors go here. Default: listener errors as process
   * warnings, connection events not logged. */
  readonly logger?: StoreLogger;
}

export interface ResolvedMemoryStoreOptions {
  readonly changeLogLength: number;
  readonly clock: Clock;
  readonly logger: StoreLogger | undefined;
}

export interface ResolvedRedisStoreOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly changeLogLength: number;
  readonly streamMaxLength: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly tailBlockMs: number;
  readonly tailBatchSize: number;
  readonly logger: StoreLogger | undefined;
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

export function resolveMemoryStoreOptions(options: MemoryStoreOptions = {}): ResolvedMemoryStoreOptions {
  return {
    changeLogLength: intInRange("changeLogLength", options.changeLogLength, 1000, 1, 1_000_000),
    clock: options.clock ?? systemClock,
    logger: options.logger,
  };
}

export function resolveRedisStoreOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (typeof options.url !== "string" || !/^rediss?:\/\//.test(options.url)) {
    throw new RangeError(`url must start with redis:// or rediss:// (got ${String(options.url)})`);
  }
  const keyPrefix = options.keyPrefix ?? "switchboard";
  if (!KEY_PREFIX.test(keyPrefix)) {
    throw new RangeError(`keyPrefix must be 1..64 of [A-Za-z0-9._:-] (got ${JSON.stringify(keyPrefix)})`);
  }
  return {
    url: options.url,
    keyPrefix,
    changeLogLength: intInRange("changeLogLength", options.changeLogLength, 1000, 1, 1_000_000),
    streamMaxLength: intInRange("streamMaxLength", options.streamMaxLength, 10_000, 100, 10_000_000),
    commandTimeoutMs: intInRange("commandTimeoutMs", options.commandTimeoutMs, 1000, 50, 60_000),
    connectTimeoutMs: intInRange("connectTimeoutMs", options.connectTimeoutMs, 2000, 100, 60_000),
    reconnectMaxDelayMs: intInRange("reconnectMaxDelayMs", options.reconnectMaxDelayMs, 1000, 10, 60_000),
    tailBlockMs: intInRange("tailBlockMs", options.tailBlockMs, 5000, 10, 60_000),
    tailBatchSize: intInRange("tailBatchSize", options.tailBatchSize, 500, 1, 10_000),
    logger: options.logger,
  };
}
