/**
 * Options of `createControlPlane`: the table in option-table.ts defines each one's default,
 * flag, variable and check once; `resolveControlPlaneOptions()` applies them and rejects a bad
 * value with a ConfigError naming the option.
 */
import { type Clock, type HostPort, parseHostPort as splitHostPort, systemClock } from "@switchboard/core";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { Authenticator } from "./auth.js";
import { ConfigError } from "./errors.js";
import { type LogLevel, OPTION_TABLE } from "./option-table.js";
import type { Store } from "./store/types.js";

export type { LogLevel } from "./option-table.js";
export { LOG_LEVELS } from "./option-table.js";

export interface ControlPlaneOptions {
  /** gRPC address, "host:port"; port 0 takes any free port. Default "127.0.0.1:7400". */
  readonly listenAddress?: string;
  /** HTTP address of GET /metrics, "host:port"; "off" (or empty) turns it off. Default "127.0.0.1:7401". */
  readonly metricsListenAddress?: string;
  /** Serve the web dashboard at / on the metrics port: on or off. Default "on". */
  readonly dashboard?: "on" | "off";
  /** on: the dashboard shows everything and refuses every action (drain, remove). Default "off". */
  readonly dashboardReadOnly?: "on" | "off";
  /** Redis URL, redis:// or rediss:// (TLS), or redis+sentinel://host:port,.../<master-name>
   * (Sentinel); unset, an in-memory store serves one replica only. Default unset: the embedded
   * in-memory store. */
  readonly redisUrl?: string | undefined;
  /** Prefix of every Redis key (1..64 of [A-Za-z0-9._:-]); replicas of one mesh share it. Default
   * "switchboard". */
  readonly redisKeyPrefix?: string;
  /** Use this store instead of creating one from `redisUrl`. Default: created. */
  readonly store?: Store;
  /** Close the store on stop(). Default: true when the control plane created it, else false. */
  readonly closeStore?: boolean;
  /** Bearer token of the Admin API; an empty one is refused. Default unset: Admin is open. */
  readonly adminToken?: string | undefined;
  /** Bearer token of the Registration API; an empty one is refused. Default unset: Registration is open. */
  readonly registrationToken?: string | undefined;
  /** Bearer token of the Discovery API; an empty one is refused. Default unset: Discovery is open. */
  readonly discoveryToken?: string | undefined;
  /** Lease TTL granted when Register asks for none, in ms. Default 10000. */
  readonly defaultLeaseTtlMs?: number;
  /** Shortest lease TTL granted, in ms; shorter requests are raised to it. Default 1000. */
  readonly minLeaseTtlMs?: number;
  /** Longest lease TTL granted, in ms; also how long lease expiry pauses after a store outage. Default
   * 60000. */
  readonly maxLeaseTtlMs?: number;
  /** PEM certificate chain file; with --tls-key, the gRPC port speaks TLS. Default unset: plaintext. */
  readonly tlsCertFile?: string | undefined;
  /** PEM private key file of that certificate. Default unset. */
  readonly tlsKeyFile?: string | undefined;
  /** PEM CA bundle file: clients must present a certificate it signed (mTLS). Default unset: no client
   * certificates. */
  readonly tlsClientCaFile?: string | undefined;
  /** Endpoints one service may have; Register answers RESOURCE_EXHAUSTED past it. Default 10000. */
  readonly maxEndpointsPerService?: number;
  /** Services one Discovery stream (one client process) may subscribe to. Default 1000. */
  readonly maxSubscriptionsPerStream?: number;
  /** Discovery streams one replica holds; more are refused with RESOURCE_EXHAUSTED. Default 100000. */
  readonly maxWatchStreams?: number;
  /** Discovery streams one client connection may hold (an SDK process needs one). Default 16. */
  readonly maxWatchStreamsPerConnection?: number;
  /** Discovery streams one client address (IP) may hold over all its connections. Default 1024. */
  readonly maxWatchStreamsPerPeer?: number;
  /** How long a Discovery stream may stay open without sending Hello, in ms. Default 10000. */
  readonly helloTimeoutMs?: number;
  /** grpc.health.v1 Watch streams one replica holds at most (Check is not limited). Default 1024. */
  readonly maxHealthWatchStreams?: number;
  /** grpc.health.v1 Watch streams one client address (IP) may hold. Default 16. */
  readonly maxHealthWatchStreamsPerPeer?: number;
  /** AwaitPropagation calls one replica serves at once. Default 256. */
  readonly maxPropagationWaits?: number;
  /** Largest request message accepted, in bytes. Default 4194304. */
  readonly maxMessageBytes?: number;
  /** Name of this replica, shown in ListSubscribers (1..128 of [A-Za-z0-9._:-]). Default
   * hostname-pid-random. */
  readonly replicaId?: string;
  /** Log level: fatal, error, warn, info, debug, trace or silent. Default "info". */
  readonly logLevel?: LogLevel;
  /** Logger; every component logs through a child of it. Default: pino JSON to stdout. */
  readonly logger?: Logger;
  /** prom-client registry the metrics register on. Default: a new Registry, which also carries
   * prom-client's default process series (CPU, memory, event-loop lag, GC), prefixed `switchboard_`. */
  readonly registry?: Registry;
  /** Time source for leases. Default `systemClock`. */
  readonly clock?: Clock;
  /** How long the lease of an endpoint removed by Admin.RemoveEndpoint stays revoked, in ms. Default
   * 3600000. */
  readonly revokeRemovedForMs?: number;
  /** Time between lease-expiry sweeps, in ms. Default min(minLeaseTtlMs / 4, 500). */
  readonly reaperIntervalMs?: number;
  /** Leases expired per store call. Default 500. */
  readonly reaperBatchSize?: number;
  /** How long a replica holds the lease on a staged rollout it drives unless it renews it, in ms. Default 5000. */
  readonly rolloutLeaseMs?: number;
  /** Time between two steps of the rollout driver (each renews its leases), in ms. Default 1000. */
  readonly rolloutStepIntervalMs?: number;
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
  /** How long a stop lets calls in flight finish before it cancels them, in ms. Default 5000. */
  readonly shutdownGraceMs?: number;
  /** After the store has been unreachable this long, in ms, end Discovery and xDS streams
   * (UNAVAILABLE) and refuse new ones until it is back, so clients move to another replica; 0:
   * never. Default 5000. */
  readonly storeOutageShedMs?: number;
}

type Secret = "adminToken" | "registrationToken" | "discoveryToken";

type Defaulted = Omit<
  Required<ControlPlaneOptions>,
  | Secret
  | "redisUrl"
  | "store"
  | "closeStore"
  | "tlsCertFile"
  | "tlsKeyFile"
  | "tlsClientCaFile"
  | "logger"
  | "registry"
  | "metricsListenAddress"
>;

/** Options with every default applied. The tokens are not kept: only `authenticator`, which
 * holds their digests, so the options of a running control plane reveal no secret. */
export interface ResolvedControlPlaneOptions extends Defaulted {
  readonly metricsListenAddress: string | undefined;
  readonly redisUrl: string | undefined;
  readonly store: Store | undefined;
  readonly closeStore: boolean;
  readonly authenticator: Authenticator;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsClientCaFile: string | undefined;
  readonly logger: Logger | undefined;
  readonly registry: Registry | undefined;
}

/** Splits "host:port" ("[v6]:port" for IPv6), port 0..65535; throws ConfigError naming `field`. */
export function parseHostPort(field: string, value: string): HostPort {
  const split = splitHostPort(value);
  if (!split) {
    throw new ConfigError(field, `must be "host:port" (got ${JSON.stringify(value)})`, { option: field });
  }
  return split;
}

/** Every option of the table, given or defaulted, then checked, in table order. */
function tableOptions(o: ControlPlaneOptions): Record<string, unknown> {
  const given = o as Readonly<Record<string, unknown>>;
  const values: Record<string, unknown> = {};
  for (const spec of OPTION_TABLE) {
    const d = spec.default;
    const value = given[spec.name] ?? (typeof d === "function" ? d(values) : d);
    const checked = spec.check(value, values);
    if (!checked.ok) throw new ConfigError(spec.name, checked.reason, { option: spec.name });
    values[spec.name] = checked.value;
  }
  return values;
}

function checkTls(v: Readonly<Record<string, unknown>>): void {
  const cert = v.tlsCertFile;
  if ((cert === undefined) !== (v.tlsKeyFile === undefined)) {
    const option = cert ? "tlsKeyFile" : "tlsCertFile";
    throw new ConfigError(option, "TLS needs both a certificate and a key file", { option });
  }
  if (v.tlsClientCaFile && !cert) {
    const option = "tlsClientCaFile";
    throw new ConfigError(option, "mTLS needs tlsCertFile and tlsKeyFile as well", { option });
  }
}

type FromTable = Omit<
  ResolvedControlPlaneOptions,
  "store" | "closeStore" | "authenticator" | "logger" | "registry" | "clock"
>;

/** Applies every default and checks every value; throws ConfigError naming the option. */
export function resolveControlPlaneOptions(o: ControlPlaneOptions = {}): ResolvedControlPlaneOptions {
  const { adminToken, registrationToken, discoveryToken, ...values } = tableOptions(o);
  checkTls(values);
  const authenticator = new Authenticator({
    admin: adminToken as string | undefined,
    registration: registrationToken as string | undefined,
    discovery: discoveryToken as string | undefined,
  });
  return {
    ...(values as unknown as FromTable),
    store: o.store,
    closeStore: o.closeStore ?? o.store === undefined,
    authenticator,
    logger: o.logger,
    registry: o.registry,
    clock: o.clock ?? systemClock,
  };
}
