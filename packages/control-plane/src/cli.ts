/** Flags and environment variables of the `switchboard-control-plane` command. */
import { readFileSync } from "node:fs";
import { type ControlPlaneOptions, type LogLevel, resolveControlPlaneOptions } from "./config.js";
import { ConfigError, isConfigError } from "./errors.js";

type OptionKey = keyof ControlPlaneOptions;

interface FlagSpec {
  readonly flag: string;
  readonly env: string;
  readonly option: OptionKey;
  readonly kind: "text" | "int" | "file-secret";
  readonly help: string;
}

/** Every flag, its environment variable and the option it sets. Flags win over the environment. */
export const FLAGS: readonly FlagSpec[] = [
  {
    flag: "--listen",
    env: "SWITCHBOARD_LISTEN",
    option: "listenAddress",
    kind: "text",
    help: 'gRPC "host:port" (default 127.0.0.1:7400; port 0: any free port)',
  },
  {
    flag: "--metrics-listen",
    env: "SWITCHBOARD_METRICS_LISTEN",
    option: "metricsListenAddress",
    kind: "text",
    help: 'HTTP /metrics "host:port", or "off" (default 127.0.0.1:7401)',
  },
  {
    flag: "--redis-url",
    env: "REDIS_URL",
    option: "redisUrl",
    kind: "text",
    help: "redis:// URL; unset: embedded in-memory store (single replica)",
  },
  {
    flag: "--redis-prefix",
    env: "SWITCHBOARD_REDIS_PREFIX",
    option: "redisKeyPrefix",
    kind: "text",
    help: 'prefix of every Redis key (default "switchboard")',
  },
  {
    flag: "--admin-token-file",
    env: "SWITCHBOARD_ADMIN_TOKEN_FILE",
    option: "adminToken",
    kind: "file-secret",
    help: "file holding the Admin bearer token (or set SWITCHBOARD_ADMIN_TOKEN)",
  },
  {
    flag: "--registration-token-file",
    env: "SWITCHBOARD_REGISTRATION_TOKEN_FILE",
    option: "registrationToken",
    kind: "file-secret",
    help: "file holding the Registration bearer token (or set SWITCHBOARD_REGISTRATION_TOKEN)",
  },
  {
    flag: "--discovery-token-file",
    env: "SWITCHBOARD_DISCOVERY_TOKEN_FILE",
    option: "discoveryToken",
    kind: "file-secret",
    help: "file holding the Discovery bearer token (or set SWITCHBOARD_DISCOVERY_TOKEN)",
  },
  {
    flag: "--lease-ttl-ms",
    env: "SWITCHBOARD_LEASE_TTL_MS",
    option: "defaultLeaseTtlMs",
    kind: "int",
    help: "lease TTL when Register asks for none (default 10000)",
  },
  {
    flag: "--min-lease-ttl-ms",
    env: "SWITCHBOARD_MIN_LEASE_TTL_MS",
    option: "minLeaseTtlMs",
    kind: "int",
    help: "shortest lease TTL granted (default 1000)",
  },
  {
    flag: "--max-lease-ttl-ms",
    env: "SWITCHBOARD_MAX_LEASE_TTL_MS",
    option: "maxLeaseTtlMs",
    kind: "int",
    help: "longest lease TTL granted (default 60000)",
  },
  {
    flag: "--tls-cert",
    env: "SWITCHBOARD_TLS_CERT",
    option: "tlsCertFile",
    kind: "text",
    help: "PEM certificate chain file (TLS on when set, with --tls-key)",
  },
  {
    flag: "--tls-key",
    env: "SWITCHBOARD_TLS_KEY",
    option: "tlsKeyFile",
    kind: "text",
    help: "PEM private key file",
  },
  {
    flag: "--tls-client-ca",
    env: "SWITCHBOARD_TLS_CLIENT_CA",
    option: "tlsClientCaFile",
    kind: "text",
    help: "PEM CA file; clients must present a certificate it signed (mTLS)",
  },
  {
    flag: "--max-endpoints-per-service",
    env: "SWITCHBOARD_MAX_ENDPOINTS_PER_SERVICE",
    option: "maxEndpointsPerService",
    kind: "int",
    help: "default 10000",
  },
  {
    flag: "--max-subscriptions-per-stream",
    env: "SWITCHBOARD_MAX_SUBSCRIPTIONS_PER_STREAM",
    option: "maxSubscriptionsPerStream",
    kind: "int",
    help: "default 1000",
  },
  {
    flag: "--max-watch-streams",
    env: "SWITCHBOARD_MAX_WATCH_STREAMS",
    option: "maxWatchStreams",
    kind: "int",
    help: "Discovery streams per replica (default 100000)",
  },
  {
    flag: "--max-watch-streams-per-connection",
    env: "SWITCHBOARD_MAX_WATCH_STREAMS_PER_CONNECTION",
    option: "maxWatchStreamsPerConnection",
    kind: "int",
    help: "Discovery streams one client connection may hold (default 16)",
  },
  {
    flag: "--max-message-bytes",
    env: "SWITCHBOARD_MAX_MESSAGE_BYTES",
    option: "maxMessageBytes",
    kind: "int",
    help: "largest request accepted (default 4194304)",
  },
  {
    flag: "--revoke-removed-for-ms",
    env: "SWITCHBOARD_REVOKE_REMOVED_FOR_MS",
    option: "revokeRemovedForMs",
    kind: "int",
    help: "how long the lease of an endpoint removed through Admin stays revoked: its instance is told not to register again (default 3600000)",
  },
  {
    flag: "--replica-id",
    env: "SWITCHBOARD_REPLICA_ID",
    option: "replicaId",
    kind: "text",
    help: "name of this replica (default hostname-pid-random)",
  },
  {
    flag: "--log-level",
    env: "SWITCHBOARD_LOG_LEVEL",
    option: "logLevel",
    kind: "text",
    help: "fatal|error|warn|info|debug|trace|silent (default info)",
  },
];

/** Tokens come from the environment (or a file), never from a flag: flags show up in `ps`. */
const TOKEN_ENV: ReadonlyArray<readonly [OptionKey, string]> = [
  ["adminToken", "SWITCHBOARD_ADMIN_TOKEN"],
  ["registrationToken", "SWITCHBOARD_REGISTRATION_TOKEN"],
  ["discoveryToken", "SWITCHBOARD_DISCOVERY_TOKEN"],
];

export type CommandLine =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "run"; readonly options: ControlPlaneOptions };

export function helpText(): string {
  const width = Math.max(...FLAGS.map((f) => f.flag.length)) + " <value>".length + 2;
  const envWidth = Math.max(...FLAGS.map((f) => f.env.length)) + 2;
  const rows = FLAGS.map((f) => `  ${`${f.flag} <value>`.padEnd(width)}${f.env.padEnd(envWidth)}${f.help}`);
  return [
    "Usage: switchboard-control-plane [flags]",
    "",
    "Flags (each also read from the environment variable beside it; a flag wins):",
    ...rows,
    `  ${"--help".padEnd(width + envWidth)}show this text`,
    "",
    "Bearer tokens: SWITCHBOARD_ADMIN_TOKEN, SWITCHBOARD_REGISTRATION_TOKEN, SWITCHBOARD_DISCOVERY_TOKEN",
    "(or the --*-token-file flags). Unset: that API is open. Health and reflection are always open.",
    "Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 1 on a runtime failure, 2 on bad configuration.",
  ].join("\n");
}

function readFlags(argv: readonly string[]): Map<string, string> {
  const known = new Map(FLAGS.map((f) => [f.flag, f]));
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    // `pnpm start -- --listen ...` passes the "--" through: it separates nothing here.
    if (arg === "--") continue;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (/^--(admin|registration|discovery)-token$/.test(name)) {
      throw new ConfigError(
        name,
        `tokens are not accepted as flags (they would show in ps); use ${name}-file or the environment`,
      );
    }
    if (!known.has(name)) throw new ConfigError(name, "unknown flag; see --help");
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(name, "needs a value");
    values.set(name, value);
  }
  return values;
}

function convert(spec: FlagSpec, raw: string, source: string): string | number {
  if (spec.kind === "int") {
    if (!/^[0-9]+$/.test(raw.trim()))
      throw new ConfigError(source, `must be a whole number (got ${JSON.stringify(raw)})`);
    return Number(raw.trim());
  }
  if (spec.kind === "file-secret") {
    try {
      return readFileSync(raw, "utf8").trim();
    } catch (e) {
      throw new ConfigError(source, `cannot read ${JSON.stringify(raw)}: ${(e as Error).message}`);
    }
  }
  return raw;
}

/** Options from flags and environment; throws ConfigError naming the flag (and variable). */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help", text: helpText() };
  const flags = readFlags(argv);
  const options: Record<string, unknown> = {};
  for (const [option, name] of TOKEN_ENV) if (env[name]) options[option] = env[name];
  for (const spec of FLAGS) {
    const fromFlag = flags.get(spec.flag);
    const raw = fromFlag ?? env[spec.env];
    if (raw === undefined || (raw === "" && spec.kind !== "text")) continue;
    options[spec.option] = convert(spec, raw, fromFlag !== undefined ? spec.flag : spec.env);
  }
  if (options.logLevel !== undefined) options.logLevel = String(options.logLevel) as LogLevel;
  const result = options as ControlPlaneOptions;
  try {
    resolveControlPlaneOptions(result);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    const spec = FLAGS.find((f) => f.option === e.field);
    throw spec ? new ConfigError(`${spec.flag} (${spec.env})`, e.details.slice(e.field.length + 2)) : e;
  }
  return { kind: "run", options: result };
}
