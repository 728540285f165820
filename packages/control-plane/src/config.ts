/**
 * Options of `createControlPlane`, every default declared beside its field and applied in one
 * `resolveControlPlaneOptions()` that rejects a bad value with an error naming the option.
 */
import {
  type Clock,
  defaultInstanceId,
  type HostPort,
  parseHostPort as splitHostPort,
  systemClock,
} from "@switchboard/core";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { ConfigError } from "./errors.js";
import type { Store } from "./store/types.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface ControlPlaneOptions {
  /** "host:port" of the gRPC server (port 0: any free port). Default "127.0.0.1:7400". */
  readonly listenAddress?: string;
  /** "host:port" of the HTTP /metrics server; "" or "off" disables it. Default "127.0.0.1:7401". */
  readonly metricsListenAddress?: string;
  /** Redis URL. Unset or "": the embedded in-memory store (one replica only). Default unset. */
  readonly redisUrl?: string | undefined;
  /** Prefix of every Redis key (replicas sharing a registry share it). Default "switchboard". */
  readonly redisKeyPrefix?: string;
  /** Use this store instead of creating one from `redisUrl`. Default: created. */
  readonly store?: Store;
  /** Close the store on stop(). Default: true when the control plane created it, else false. */
  readonly closeStore?: boolean;
  /** Bearer token for Admin calls. Unset: Admin is open. Default unset. */
  readonly adminToken?: string | undefined;
  /** Bearer token for Registration calls. Unset: open. Default unset. */
  readonly registrationToken?: string | undefined;
  /** Bearer token for Discovery calls. Unset: open. Default unset. */
  readonly discoveryToken?: string | undefined;
  /** Lease TTL granted when Register asks for none, in ms. Default 10000. */
  readonly defaultLeaseTtlMs?: number;
  /** Shortest lease TTL granted (shorter requests are raised to it), in ms. Default 1000. */
  readonly minLeaseTtlMs?: number;
  /** Longest lease TTL granted, in ms; also how long expiry pauses after a store outage. Default 60000. */
  readonly maxLeaseTtlMs?: number;
  /** PEM certificate chain file; with `tlsKeyFile`, the server speaks TLS. Default unset (plaintext). */
  readonly tlsCertFile?: string | undefined;
  /** PEM private key file. Default unset. */
  readonly tlsKeyFile?: string | undefined;
  /** PEM CA bundle file: when set, clients must present a certificate it signed (mTLS). Default unset. */
  readonly tlsClientCaFile?: string | undefined;
  /** Endpoints one service may have (RESOURCE_EXHAUSTED past it). Default 10000. */
  readonly maxEndpointsPerService?: number;
  /** Services one Discovery stream may subscribe to. Default 1000. */
  readonly maxSubscriptionsPerStream?: number;
  /** Discovery streams one replica holds at most. Default 100000. */
  readonly maxWatchStreams?: number;
  /** Discovery streams one client connection may hold (an SDK process needs one), so one client
   * cannot take every slot. Default 16. */
  readonly maxWatchStreamsPerConnection?: number;
  /** Largest request message accepted, in bytes. Default 4194304 (4 MiB). */
  readonly maxMessageBytes?: number;
  /** Name of this replica (in ListSubscribers). Default "<hostname>-<pid>-<random>". */
  readonly replicaId?: string;
  /** Log level of the default logger. Default "info". */
  readonly logLevel?: LogLevel;
  /** Logger; every component logs through a child of it. Default: pino JSON to stdout. */
  readonly logger?: Logger;
  /** prom-client registry the metrics register on. Default: a new Registry, which also carries
   * prom-client's default process series (CPU, memory, event-loop lag, GC), prefixed `switchboard_`. */
  readonly registry?: Registry;
  /** Time source for leases. Default `systemClock`. */
  readonly clock?: Clock;
  /** How long the lease of an endpoint removed by Admin.RemoveEndpoint stays revoked, in ms: its
   * instance's keep-alives are answered REVOKED, so the SDK does not register it again (a new
   * Register of the same address is still accepted). Default 3600000. */
  readonly revokeRemovedForMs?: number;
  /** Time between lease-expiry sweeps, in ms. Default min(minLeaseTtlMs / 4, 500). */
  readonly reaperIntervalMs?: number;
  /** Leases expired per store call. Default 500. */
  readonly reaperBatchSize?: number;
  /** Changes kept in memory per subscribed service to build deltas. Default 1000. */
  readonly historyLimit?: number;
  /** Lifetime of this replica's published subscriber table, in ms (refreshed every third). Default 15000. */
  readonly subscriberTableTtlMs?: number;
  /** Shortest time between two publications of the subscriber table, in ms. Default 250. */
  readonly subscriberPublishIntervalMs?: number;
  /** How often the store epoch is checked for a wipe, in ms. Default 5000. */
  readonly epochCheckIntervalMs?: number;
  /** How often AwaitPropagation reads the subscriber tables, in ms. Default 50. */
  readonly propagationPollIntervalMs?: number;
  /** How long stop() lets calls finish before it cancels them, in ms. Default 5000. */
  readonly shutdownGraceMs?: number;
}

type Defaulted = Omit<
  Required<ControlPlaneOptions>,
  | "redisUrl"
  | "store"
  | "closeStore"
  | "adminToken"
  | "registrationToken"
  | "discoveryToken"
  | "tlsCertFile"
  | "tlsKeyFile"
  | "tlsClientCaFile"
  | "logger"
  | "registry"
  | "metricsListenAddress"
>;

export interface ResolvedControlPlaneOptions extends Defaulted {
  readonly metricsListenAddress: string | undefined;
  readonly redisUrl: string | undefined;
  readonly store: Store | undefined;
  readonly closeStore: boolean;
  readonly adminToken: string | undefined;
  readonly registrationToken: string | undefined;
  readonly discoveryToken: string | undefined;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsClientCaFile: string | undefined;
  readonly logger: Logger | undefined;
  readonly registry: Registry | undefined;
}

function int(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `must be a whole number between ${min} and ${max} (got ${String(v)})`);
  }
  return v;
}

/** Splits "host:port" ("[v6]:port" for IPv6), port 0..65535; throws ConfigError naming `field`. */
export function parseHostPort(field: string, value: string): HostPort {
  const parsed = splitHostPort(value);
  if (!parsed) throw new ConfigError(field, `must be "host:port" (got ${JSON.stringify(value)})`);
  return parsed;
}

function optionalText(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function metricsAddress(value: string | undefined): string | undefined {
  const v = value ?? "127.0.0.1:7401";
  if (v === "" || v.toLowerCase() === "off") return undefined;
  parseHostPort("metricsListenAddress", v);
  return v;
}

function tls(
  o: ControlPlaneOptions,
): Pick<ResolvedControlPlaneOptions, "tlsCertFile" | "tlsKeyFile" | "tlsClientCaFile"> {
  const cert = optionalText(o.tlsCertFile);
  const key = optionalText(o.tlsKeyFile);
  const ca = optionalText(o.tlsClientCaFile);
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(cert ? "tlsKeyFile" : "tlsCertFile", "TLS needs both a certificate and a key file");
  }
  if (ca && !cert) throw new ConfigError("tlsClientCaFile", "mTLS needs tlsCertFile and tlsKeyFile as well");
  return { tlsCertFile: cert, tlsKeyFile: key, tlsClientCaFile: ca };
}

function leases(
  o: ControlPlaneOptions,
): Pick<Defaulted, "minLeaseTtlMs" | "maxLeaseTtlMs" | "defaultLeaseTtlMs"> {
  const minLeaseTtlMs = int("minLeaseTtlMs", o.minLeaseTtlMs, 1000, 10, 86_400_000);
  const maxLeaseTtlMs = int("maxLeaseTtlMs", o.maxLeaseTtlMs, 60_000, minLeaseTtlMs, 86_400_000);
  const fallback = Math.min(maxLeaseTtlMs, Math.max(minLeaseTtlMs, 10_000));
  const defaultLeaseTtlMs = int(
    "defaultLeaseTtlMs",
    o.defaultLeaseTtlMs,
    fallback,
    minLeaseTtlMs,
    maxLeaseTtlMs,
  );
  return { minLeaseTtlMs, maxLeaseTtlMs, defaultLeaseTtlMs };
}

type Limits = Pick<
  Defaulted,
  | "maxEndpointsPerService"
  | "maxSubscriptionsPerStream"
  | "maxWatchStreams"
  | "maxWatchStreamsPerConnection"
  | "maxMessageBytes"
>;

function limits(o: ControlPlaneOptions): Limits {
  return {
    maxEndpointsPerService: int("maxEndpointsPerService", o.maxEndpointsPerService, 10_000, 1, 1_000_000),
    maxSubscriptionsPerStream: int(
      "maxSubscriptionsPerStream",
      o.maxSubscriptionsPerStream,
      1000,
      1,
      100_000,
    ),
    maxWatchStreams: int("maxWatchStreams", o.maxWatchStreams, 100_000, 1, 10_000_000),
    maxWatchStreamsPerConnection: int(
      "maxWatchStreamsPerConnection",
      o.maxWatchStreamsPerConnection,
      16,
      1,
      10_000_000,
    ),
    maxMessageBytes: int("maxMessageBytes", o.maxMessageBytes, 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  };
}

type Tuning = Pick<
  Defaulted,
  | "revokeRemovedForMs"
  | "reaperIntervalMs"
  | "reaperBatchSize"
  | "historyLimit"
  | "subscriberTableTtlMs"
  | "subscriberPublishIntervalMs"
  | "epochCheckIntervalMs"
  | "propagationPollIntervalMs"
  | "shutdownGraceMs"
>;

function tuning(o: ControlPlaneOptions, minLeaseTtlMs: number): Tuning {
  const reaperDefault = Math.max(5, Math.min(Math.floor(minLeaseTtlMs / 4), 500));
  return {
    revokeRemovedForMs: int("revokeRemovedForMs", o.revokeRemovedForMs, 3_600_000, 0, 30 * 86_400_000),
    reaperIntervalMs: int("reaperIntervalMs", o.reaperIntervalMs, reaperDefault, 5, 3_600_000),
    reaperBatchSize: int("reaperBatchSize", o.reaperBatchSize, 500, 1, 100_000),
    historyLimit: int("historyLimit", o.historyLimit, 1000, 1, 1_000_000),
    subscriberTableTtlMs: int("subscriberTableTtlMs", o.subscriberTableTtlMs, 15_000, 300, 3_600_000),
    subscriberPublishIntervalMs: int(
      "subscriberPublishIntervalMs",
      o.subscriberPublishIntervalMs,
      250,
      0,
      60_000,
    ),
    epochCheckIntervalMs: int("epochCheckIntervalMs", o.epochCheckIntervalMs, 5000, 10, 3_600_000),
    propagationPollIntervalMs: int("propagationPollIntervalMs", o.propagationPollIntervalMs, 50, 5, 10_000),
    shutdownGraceMs: int("shutdownGraceMs", o.shutdownGraceMs, 5000, 0, 600_000),
  };
}

function text(field: string, value: string, re: RegExp, rule: string): string {
  if (!re.test(value)) throw new ConfigError(field, rule);
  return value;
}

/** Applies every default and checks every value; throws ConfigError naming the option. */
export function resolveControlPlaneOptions(o: ControlPlaneOptions = {}): ResolvedControlPlaneOptions {
  const listenAddress = o.listenAddress ?? "127.0.0.1:7400";
  parseHostPort("listenAddress", listenAddress);
  const lease = leases(o);
  const logLevel = o.logLevel ?? "info";
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError("logLevel", `must be one of ${LOG_LEVELS.join(", ")}`);
  const redisUrl = optionalText(o.redisUrl);
  if (redisUrl) text("redisUrl", redisUrl, /^rediss?:\/\//, "must start with redis:// or rediss://");
  return {
    listenAddress,
    metricsListenAddress: metricsAddress(o.metricsListenAddress),
    redisUrl,
    redisKeyPrefix: text(
      "redisKeyPrefix",
      o.redisKeyPrefix ?? "switchboard",
      /^[A-Za-z0-9._:-]{1,64}$/,
      "must be 1..64 characters of [A-Za-z0-9._:-]",
    ),
    store: o.store,
    closeStore: o.closeStore ?? o.store === undefined,
    adminToken: optionalText(o.adminToken),
    registrationToken: optionalText(o.registrationToken),
    discoveryToken: optionalText(o.discoveryToken),
    ...lease,
    ...tls(o),
    ...limits(o),
    ...tuning(o, lease.minLeaseTtlMs),
    replicaId: text(
      "replicaId",
      o.replicaId ?? defaultInstanceId(),
      /^[A-Za-z0-9._:-]{1,128}$/,
      "must be 1..128 characters of [A-Za-z0-9._:-]",
    ),
    logLevel,
    logger: o.logger,
    registry: o.registry,
    clock: o.clock ?? systemClock,
  };
}
