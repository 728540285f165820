/**
 * Every control-plane option that has a default, a flag or an environment variable, defined
 * once: its flag, its variable, its default, how its value is checked and a one-line doc.
 * `resolveControlPlaneOptions()` applies the defaults and checks from here; the command line
 * (flags, variables, `--help`) is built from here; the doc comments of `ControlPlaneOptions` and
 * the flags table of docs/operating.md are checked against it by tests.
 */
import { defaultInstanceId, parseHostPort } from "@switchboard/core";
import { redisUrlProblem } from "./store/redis-url.js";

/** Options resolved before the one being resolved (the table is in dependency order). */
export type Earlier = Readonly<Record<string, unknown>>;

/** The outcome of checking one value: the value to use, or why it is refused. */
export type Checked =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

export interface OptionSpec {
  /** The `ControlPlaneOptions` key. */
  readonly name: string;
  readonly flag?: `--${string}`;
  readonly env?: string;
  /** A token's own variable; its flag and `env` then name a file holding the token. */
  readonly secretEnv?: string;
  /** How the text of a flag or variable becomes a value. */
  readonly input: "text" | "int" | "secret-file";
  /** The default, or how it follows from the options before it; absent: unset. */
  readonly default?: string | number | ((earlier: Earlier) => string | number);
  /** How the default reads (`--help`, doc comments, docs) when it is not a plain value. */
  readonly defaultText?: string;
  readonly check: (value: unknown, earlier: Earlier) => Checked;
  /** One line: what the option does. */
  readonly doc: string;
}

const ok = (value: unknown): Checked => ({ ok: true, value });
const no = (reason: string): Checked => ({ ok: false, reason });

function hostPort(value: unknown): Checked {
  return typeof value === "string" && parseHostPort(value)
    ? ok(value)
    : no(`must be "host:port" (got ${JSON.stringify(value)})`);
}

type Bound = number | ((earlier: Earlier) => number);

function int(min: Bound, max: Bound): OptionSpec["check"] {
  return (value, earlier) => {
    const lo = typeof min === "function" ? min(earlier) : min;
    const hi = typeof max === "function" ? max(earlier) : max;
    const v = value as number;
    return Number.isSafeInteger(v) && v >= lo && v <= hi
      ? ok(v)
      : no(`must be a whole number between ${lo} and ${hi} (got ${String(value)})`);
  };
}

function pattern(re: RegExp, rule: string): OptionSpec["check"] {
  return (value) => (typeof value === "string" && re.test(value) ? ok(value) : no(rule));
}

function onOff(value: unknown): Checked {
  return value === "on" || value === "off"
    ? ok(value)
    : no(`must be "on" or "off" (got ${JSON.stringify(value)})`);
}

/** "" reads as unset. */
function optionalFile(value: unknown): Checked {
  return value === undefined || value === "" ? ok(undefined) : ok(value);
}

/** Unset leaves the API open; a token that is empty or only whitespace is refused, never read as
 * "open". */
function token(api: string): OptionSpec["check"] {
  return (value) => {
    if (value === undefined) return ok(undefined);
    if (typeof value !== "string" || value.trim() === "")
      return no(`is empty; give the ${api} token, or leave it unset to leave ${api} open`);
    return ok(value);
  };
}

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

const DAY_MS = 86_400_000;
const minLease = (e: Earlier) => e.minLeaseTtlMs as number;
const maxLease = (e: Earlier) => e.maxLeaseTtlMs as number;

export const OPTION_TABLE: readonly OptionSpec[] = [
  {
    name: "listenAddress",
    flag: "--listen",
    env: "SWITCHBOARD_LISTEN",
    input: "text",
    default: "127.0.0.1:7400",
    check: hostPort,
    doc: 'gRPC address, "host:port"; port 0 takes any free port.',
  },
  {
    name: "metricsListenAddress",
    flag: "--metrics-listen",
    env: "SWITCHBOARD_METRICS_LISTEN",
    input: "text",
    default: "127.0.0.1:7401",
    check: (v) =>
      v === "" || (typeof v === "string" && v.toLowerCase() === "off") ? ok(undefined) : hostPort(v),
    doc: 'HTTP address of GET /metrics, "host:port"; "off" (or empty) turns it off.',
  },
  {
    name: "dashboard",
    flag: "--dashboard",
    env: "SWITCHBOARD_DASHBOARD",
    input: "text",
    default: "on",
    check: onOff,
    doc: "Serve the web dashboard at / on the metrics port: on or off.",
  },
  {
    name: "dashboardReadOnly",
    flag: "--dashboard-read-only",
    env: "SWITCHBOARD_DASHBOARD_READ_ONLY",
    input: "text",
    default: "off",
    check: onOff,
    doc: "on: the dashboard shows everything and refuses every action (drain, remove).",
  },
  {
    name: "redisUrl",
    flag: "--redis-url",
    env: "REDIS_URL",
    input: "text",
    defaultText: "unset: the embedded in-memory store",
    check: (v) => {
      if (v === undefined || v === "") return ok(undefined);
      const problem = redisUrlProblem(String(v));
      return problem === undefined ? ok(v) : no(problem);
    },
    doc: "Redis URL, redis:// or rediss:// (TLS), or redis+sentinel://host:port,.../<master-name> (Sentinel); unset, an in-memory store serves one replica only.",
  },
  {
    name: "redisKeyPrefix",
    flag: "--redis-prefix",
    env: "SWITCHBOARD_REDIS_PREFIX",
    input: "text",
    default: "switchboard",
    check: pattern(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1..64 characters of [A-Za-z0-9._:-]"),
    doc: "Prefix of every Redis key (1..64 of [A-Za-z0-9._:-]); replicas of one mesh share it.",
  },
  {
    name: "adminToken",
    flag: "--admin-token-file",
    env: "SWITCHBOARD_ADMIN_TOKEN_FILE",
    secretEnv: "SWITCHBOARD_ADMIN_TOKEN",
    input: "secret-file",
    defaultText: "unset: Admin is open",
    check: token("Admin"),
    doc: "Bearer token of the Admin API; an empty one is refused.",
  },
  {
    name: "registrationToken",
    flag: "--registration-token-file",
    env: "SWITCHBOARD_REGISTRATION_TOKEN_FILE",
    secretEnv: "SWITCHBOARD_REGISTRATION_TOKEN",
    input: "secret-file",
    defaultText: "unset: Registration is open",
    check: token("Registration"),
    doc: "Bearer token of the Registration API; an empty one is refused.",
  },
  {
    name: "discoveryToken",
    flag: "--discovery-token-file",
    env: "SWITCHBOARD_DISCOVERY_TOKEN_FILE",
    secretEnv: "SWITCHBOARD_DISCOVERY_TOKEN",
    input: "secret-file",
    defaultText: "unset: Discovery is open",
    check: token("Discovery"),
    doc: "Bearer token of the Discovery API; an empty one is refused.",
  },
  {
    name: "minLeaseTtlMs",
    flag: "--min-lease-ttl-ms",
    env: "SWITCHBOARD_MIN_LEASE_TTL_MS",
    input: "int",
    default: 1000,
    check: int(10, DAY_MS),
    doc: "Shortest lease TTL granted, in ms; shorter requests are raised to it.",
  },
  {
    name: "maxLeaseTtlMs",
    flag: "--max-lease-ttl-ms",
    env: "SWITCHBOARD_MAX_LEASE_TTL_MS",
    input: "int",
    default: 60_000,
    check: int(minLease, DAY_MS),
    doc: "Longest lease TTL granted, in ms; also how long lease expiry pauses after a store outage.",
  },
  {
    name: "defaultLeaseTtlMs",
    flag: "--lease-ttl-ms",
    env: "SWITCHBOARD_LEASE_TTL_MS",
    input: "int",
    default: (e) => Math.min(maxLease(e), Math.max(minLease(e), 10_000)),
    defaultText: "10000",
    check: int(minLease, maxLease),
    doc: "Lease TTL granted when Register asks for none, in ms.",
  },
  {
    name: "tlsCertFile",
    flag: "--tls-cert",
    env: "SWITCHBOARD_TLS_CERT",
    input: "text",
    defaultText: "unset: plaintext",
    check: optionalFile,
    doc: "PEM certificate chain file; with --tls-key, the gRPC port speaks TLS.",
  },
  {
    name: "tlsKeyFile",
    flag: "--tls-key",
    env: "SWITCHBOARD_TLS_KEY",
    input: "text",
    defaultText: "unset",
    check: optionalFile,
    doc: "PEM private key file of that certificate.",
  },
  {
    name: "tlsClientCaFile",
    flag: "--tls-client-ca",
    env: "SWITCHBOARD_TLS_CLIENT_CA",
    input: "text",
    defaultText: "unset: no client certificates",
    check: optionalFile,
    doc: "PEM CA bundle file: clients must present a certificate it signed (mTLS).",
  },
  {
    name: "maxEndpointsPerService",
    flag: "--max-endpoints-per-service",
    env: "SWITCHBOARD_MAX_ENDPOINTS_PER_SERVICE",
    input: "int",
    default: 10_000,
    check: int(1, 1_000_000),
    doc: "Endpoints one service may have; Register answers RESOURCE_EXHAUSTED past it.",
  },
  {
    name: "maxSubscriptionsPerStream",
    flag: "--max-subscriptions-per-stream",
    env: "SWITCHBOARD_MAX_SUBSCRIPTIONS_PER_STREAM",
    input: "int",
    default: 1000,
    check: int(1, 100_000),
    doc: "Services one Discovery stream (one client process) may subscribe to.",
  },
  {
    name: "maxWatchStreams",
    flag: "--max-watch-streams",
    env: "SWITCHBOARD_MAX_WATCH_STREAMS",
    input: "int",
    default: 100_000,
    check: int(1, 10_000_000),
    doc: "Discovery streams one replica holds; more are refused with RESOURCE_EXHAUSTED.",
  },
  {
    name: "maxWatchStreamsPerConnection",
    flag: "--max-watch-streams-per-connection",
    env: "SWITCHBOARD_MAX_WATCH_STREAMS_PER_CONNECTION",
    input: "int",
    default: 16,
    check: int(1, 10_000_000),
    doc: "Discovery streams one client connection may hold (an SDK process needs one).",
  },
  {
    name: "maxWatchStreamsPerPeer",
    flag: "--max-watch-streams-per-peer",
    env: "SWITCHBOARD_MAX_WATCH_STREAMS_PER_PEER",
    input: "int",
    default: 1024,
    check: int(1, 10_000_000),
    doc: "Discovery streams one client address (IP) may hold over all its connections.",
  },
  {
    name: "helloTimeoutMs",
    flag: "--hello-timeout-ms",
    env: "SWITCHBOARD_HELLO_TIMEOUT_MS",
    input: "int",
    default: 10_000,
    check: int(10, 600_000),
    doc: "How long a Discovery stream may stay open without sending Hello, in ms.",
  },
  {
    name: "maxHealthWatchStreams",
    flag: "--max-health-watch-streams",
    env: "SWITCHBOARD_MAX_HEALTH_WATCH_STREAMS",
    input: "int",
    default: 1024,
    check: int(1, 10_000_000),
    doc: "grpc.health.v1 Watch streams one replica holds at most (Check is not limited).",
  },
  {
    name: "maxHealthWatchStreamsPerPeer",
    flag: "--max-health-watch-streams-per-peer",
    env: "SWITCHBOARD_MAX_HEALTH_WATCH_STREAMS_PER_PEER",
    input: "int",
    default: 16,
    check: int(1, 10_000_000),
    doc: "grpc.health.v1 Watch streams one client address (IP) may hold.",
  },
  {
    name: "maxPropagationWaits",
    flag: "--max-propagation-waits",
    env: "SWITCHBOARD_MAX_PROPAGATION_WAITS",
    input: "int",
    default: 256,
    check: int(1, 100_000),
    doc: "AwaitPropagation calls one replica serves at once.",
  },
  {
    name: "maxMessageBytes",
    flag: "--max-message-bytes",
    env: "SWITCHBOARD_MAX_MESSAGE_BYTES",
    input: "int",
    default: 4 * 1024 * 1024,
    check: int(1024, 1024 * 1024 * 1024),
    doc: "Largest request message accepted, in bytes.",
  },
  {
    name: "revokeRemovedForMs",
    flag: "--revoke-removed-for-ms",
    env: "SWITCHBOARD_REVOKE_REMOVED_FOR_MS",
    input: "int",
    default: 3_600_000,
    check: int(0, 30 * DAY_MS),
    doc: "How long the lease of an endpoint removed by Admin.RemoveEndpoint stays revoked, in ms.",
  },
  {
    name: "replicaId",
    flag: "--replica-id",
    env: "SWITCHBOARD_REPLICA_ID",
    input: "text",
    default: defaultInstanceId,
    defaultText: "hostname-pid-random",
    check: pattern(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1..128 characters of [A-Za-z0-9._:-]"),
    doc: "Name of this replica, shown in ListSubscribers (1..128 of [A-Za-z0-9._:-]).",
  },
  {
    name: "logLevel",
    flag: "--log-level",
    env: "SWITCHBOARD_LOG_LEVEL",
    input: "text",
    default: "info",
    check: (v) =>
      LOG_LEVELS.includes(v as LogLevel) ? ok(v) : no(`must be one of ${LOG_LEVELS.join(", ")}`),
    doc: "Log level: fatal, error, warn, info, debug, trace or silent.",
  },
  {
    name: "shutdownGraceMs",
    flag: "--shutdown-grace-ms",
    env: "SWITCHBOARD_SHUTDOWN_GRACE_MS",
    input: "int",
    default: 5000,
    check: int(0, 600_000),
    doc: "How long a stop lets calls in flight finish before it cancels them, in ms.",
  },
  {
    name: "storeOutageShedMs",
    flag: "--store-outage-shed-ms",
    env: "SWITCHBOARD_STORE_OUTAGE_SHED_MS",
    input: "int",
    default: 5000,
    check: int(0, 3_600_000),
    doc: "After the store has been unreachable this long, in ms, end Discovery and xDS streams (UNAVAILABLE) and refuse new ones until it is back, so clients move to another replica; 0: never.",
  },
  {
    name: "reaperIntervalMs",
    input: "int",
    default: (e) => Math.max(5, Math.min(Math.floor(minLease(e) / 4), 500)),
    defaultText: "min(minLeaseTtlMs / 4, 500)",
    check: int(5, 3_600_000),
    doc: "Time between lease-expiry sweeps, in ms.",
  },
  {
    name: "reaperBatchSize",
    input: "int",
    default: 500,
    check: int(1, 100_000),
    doc: "Leases expired per store call.",
  },
  {
    name: "rolloutLeaseMs",
    input: "int",
    default: 5000,
    check: int(1000, 60_000),
    doc: "How long a replica holds the lease on a staged rollout it drives unless it renews it, in ms.",
  },
  {
    name: "rolloutStepIntervalMs",
    input: "int",
    default: 1000,
    check: int(50, (e) => Math.floor((e.rolloutLeaseMs as number) / 3)),
    doc: "Time between two steps of the rollout driver (each renews its leases), in ms.",
  },
  {
    name: "historyLimit",
    input: "int",
    default: 1000,
    check: int(1, 1_000_000),
    doc: "Changes kept in memory per subscribed service to build deltas.",
  },
  {
    name: "subscriberTableTtlMs",
    input: "int",
    default: 15_000,
    check: int(300, 3_600_000),
    doc: "Lifetime of this replica's published subscriber table, in ms (refreshed every third).",
  },
  {
    name: "subscriberPublishIntervalMs",
    input: "int",
    default: 250,
    check: int(0, 60_000),
    doc: "Shortest time between two publications of the subscriber table, in ms.",
  },
  {
    name: "epochCheckIntervalMs",
    input: "int",
    default: 5000,
    check: int(10, 3_600_000),
    doc: "How often the store epoch is checked for a wipe, in ms.",
  },
  {
    name: "propagationPollIntervalMs",
    input: "int",
    default: 50,
    check: int(5, 10_000),
    doc: "How often AwaitPropagation reads the subscriber tables, in ms.",
  },
];

/** The default as it reads in `--help` and the docs (no quotes). */
export function shownDefault(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  return String(spec.default);
}

/** The default as a doc comment states it: strings quoted, numbers bare. */
export function statedDefault(spec: OptionSpec): string {
  return typeof spec.default === "string" ? JSON.stringify(spec.default) : shownDefault(spec);
}
