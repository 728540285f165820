import { parseArgs } from "node:util";

/** A bad command line: the entry prints the message and its usage, then exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type FlagValues = Record<string, string | boolean | undefined>;

/**
 * Parses `--name value` and `--name=value` flags (every flag listed in `strings` takes a value,
 * every flag in `booleans` takes none). Unknown flags and stray arguments are usage errors.
 */
export function parseFlags(
  argv: readonly string[],
  strings: readonly string[],
  booleans: readonly string[] = [],
): FlagValues {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const name of strings) options[name] = { type: "string" };
  for (const name of [...booleans, "help"]) options[name] = { type: "boolean" };
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** The number a flag holds, `fallback` when absent; a usage error naming the flag when invalid. */
export function numberFlag(
  values: FlagValues,
  name: string,
  fallback: number,
  range: NumberRange = {},
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number (got "${String(raw)}")`);
  if (range.integer && !Number.isInteger(value))
    throw new UsageError(`--${name} must be a whole number (got ${value})`);
  if (range.min !== undefined && value < range.min)
    throw new UsageError(`--${name} must be >= ${range.min} (got ${value})`);
  if (range.max !== undefined && value > range.max)
    throw new UsageError(`--${name} must be <= ${range.max} (got ${value})`);
  return value;
}

/** The string a flag holds, `fallback` when absent. */
export function stringFlag(values: FlagValues, name: string, fallback: string): string {
  const raw = values[name];
  return typeof raw === "string" ? raw : fallback;
}

export function booleanFlag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}
