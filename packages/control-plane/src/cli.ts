/** Flags and environment variables of the `switchboard-control-plane` command, built from the
 * option table. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type ControlPlaneOptions, resolveControlPlaneOptions } from "./config.js";
import { ConfigError, isConfigError } from "./errors.js";
import { OPTION_TABLE, type OptionSpec, shownDefault } from "./option-table.js";
import { bootstrapCommandText } from "./xds/bootstrap.js";

/** How the command exits, and why. */
export const EXIT_CODES = {
  /** Stopped by SIGTERM or SIGINT, cleanly. */
  stopped: 0,
  /** Failed at start (the port in use, say) or while running. */
  failed: 1,
  /** A bad flag, variable or token file. */
  badConfiguration: 2,
  /** The stop did not finish within the grace period plus `STOP_DEADLINE_MARGIN_MS`. */
  stopDeadlinePassed: 3,
  /** A second SIGTERM or SIGINT while stopping: 128 plus the signal's number (143, 130). */
  secondSignal: 128,
} as const;

/** How much longer than `shutdownGraceMs` a stop may take (closing the store) before the process
 * exits anyway. */
export const STOP_DEADLINE_MARGIN_MS = 1000;

type FlagSpec = OptionSpec & { readonly flag: `--${string}`; readonly env: string };

/** The options the command line sets: those with a flag. Flags win over the environment. */
export const FLAGS: readonly FlagSpec[] = OPTION_TABLE.filter((o): o is FlagSpec => Boolean(o.flag && o.env));

export type CommandLine =
  | { readonly kind: "help"; readonly text: string }
  /** A subcommand's output (`bootstrap`). */
  | { readonly kind: "print"; readonly text: string }
  | { readonly kind: "run"; readonly options: ControlPlaneOptions };

function helpLine(spec: FlagSpec): string {
  const extra = spec.secretEnv ? `; this names a file holding it, or set ${spec.secretEnv}` : "";
  // An option that is unset by default says what unset means, without the word "default".
  const shown = spec.default === undefined ? shownDefault(spec) : `default ${shownDefault(spec)}`;
  return `${spec.doc} (${shown}${extra})`;
}

export function helpText(): string {
  const width = Math.max(...FLAGS.map((f) => f.flag.length)) + " <value>".length + 2;
  const envWidth = Math.max(...FLAGS.map((f) => f.env.length)) + 2;
  const rows = FLAGS.map(
    (f) => `  ${`${f.flag} <value>`.padEnd(width)}${f.env.padEnd(envWidth)}${helpLine(f)}`,
  );
  const secrets = FLAGS.flatMap((f) => (f.secretEnv ? [f.secretEnv] : []));
  const e = EXIT_CODES;
  return [
    "Usage: switchboard-control-plane [flags]",
    "",
    "Flags (each also read from the environment variable beside it; a flag wins):",
    ...rows,
    `  ${"--help".padEnd(width + envWidth)}show this text`,
    "",
    `Bearer tokens: ${secrets.join(", ")}`,
    "(or the --*-token-file flags). Unset: that API is open. Set but empty: start-up fails.",
    "Health and reflection are always open.",
    `SIGTERM/SIGINT stop it: calls in flight get the grace period, and ${STOP_DEADLINE_MARGIN_MS} ms after it the`,
    "process exits whatever is still closing; a second signal exits at once.",
    `Exit codes: ${e.stopped} after a clean stop, ${e.failed} on a failure at start or run time, ${e.badConfiguration} on bad`,
    `configuration, ${e.stopDeadlinePassed} when a stop outlasted its deadline, 128+signal (143, 130) on a second signal.`,
  ].join("\n");
}

/** Flag values by flag; "--" (which `pnpm start -- …` passes through) separates nothing here. */
function readFlags(argv: readonly string[]): Map<string, string> {
  const { tokens } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    options: Object.fromEntries(FLAGS.map((f) => [f.flag.slice(2), { type: "string" as const }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind === "positional")
      throw new ConfigError(t.value, "unexpected argument; flags take --flag value");
    if (t.kind !== "option") continue;
    if (/^--(admin|registration|discovery)-token$/.test(t.rawName)) {
      const reason = `tokens are not accepted as flags (they would show in ps); use ${t.rawName}-file or the environment`;
      throw new ConfigError(t.rawName, reason);
    }
    if (!FLAGS.some((f) => f.flag === t.rawName))
      throw new ConfigError(t.rawName, "unknown flag; see --help");
    if (t.value === undefined) throw new ConfigError(t.rawName, "needs a value");
    values.set(t.rawName, t.value);
  }
  return values;
}

function readSecretFile(source: string, path: string): string {
  if (path.trim() === "") throw new ConfigError(source, "is empty; name the file that holds the token");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(source, `cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  if (text.trim() === "")
    throw new ConfigError(source, `${JSON.stringify(path)} holds no token (it is empty)`);
  return text.trim();
}

function convert(spec: FlagSpec, raw: string, source: string): string | number {
  if (spec.input === "int") {
    if (!/^[0-9]+$/.test(raw.trim()))
      throw new ConfigError(source, `must be a whole number (got ${JSON.stringify(raw)})`);
    return Number(raw.trim());
  }
  if (spec.input === "secret-file") return readSecretFile(source, raw);
  return raw;
}

/** A token's own variable: set but empty (or blank) is refused rather than read as "open". */
function secretFromEnv(variable: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[variable];
  if (value === undefined) return undefined;
  if (value.trim() === "") {
    throw new ConfigError(
      variable,
      "is set but empty; give the token, or unset the variable to leave the API open",
    );
  }
  return value;
}

/** Options from flags and environment; throws ConfigError naming the flag (and variable). */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  if (argv[0] === "bootstrap") return { kind: "print", text: bootstrapCommandText(argv.slice(1)) };
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help", text: helpText() };
  const flags = readFlags(argv);
  const options: Record<string, unknown> = {};
  for (const spec of FLAGS) {
    const secret = spec.secretEnv ? secretFromEnv(spec.secretEnv, env) : undefined;
    if (secret !== undefined) options[spec.name] = secret;
    const fromFlag = flags.get(spec.flag);
    const raw = fromFlag ?? env[spec.env];
    // An empty number reads as unset; an empty file name of a token does not.
    if (raw === undefined || (raw === "" && spec.input === "int")) continue;
    options[spec.name] = convert(spec, raw, fromFlag !== undefined ? spec.flag : spec.env);
  }
  const result = options as ControlPlaneOptions;
  try {
    resolveControlPlaneOptions(result);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    const spec = FLAGS.find((f) => f.name === e.option);
    if (!spec) throw e;
    throw new ConfigError(`${spec.flag} (${spec.env})`, e.reason, { option: spec.name });
  }
  return { kind: "run", options: result };
}
