import type { Spread } from "./stats.js";

/** Number formatting for tables: fixed digits, thousands separators. */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)"; a single round prints its value alone. */
export function withSpread(s: Spread, digits = 0, suffix = ""): string {
  const m = `${num(s.median, digits)}${suffix}`;
  if (s.rounds.length < 2) return m;
  return `${m} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

export function signed(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${value >= 0 ? "+" : "−"}${num(Math.abs(value), digits)}`;
}

export function signedSpread(s: Spread, digits = 0): string {
  const m = signed(s.median, digits);
  if (s.rounds.length < 2) return m;
  return `${m} (${signed(s.min, digits)}…${signed(s.max, digits)})`;
}

export function verdict(met: boolean): string {
  return met ? "met" : "**missed**";
}

/** A Markdown table; every row must have as many cells as the header. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = `|${header.map(() => "---").join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
