/** Reading a run's settings for the prose of the report, formatted as the tables format them. */
import { num } from "../lib/format.js";
import type { BenchRecord } from "../lib/results.js";

/** A numeric setting of the run, formatted ("n/a" when the run did not record it). */
export function setting(r: BenchRecord, key: string, digits = 0): string {
  const v = r.params[key];
  return typeof v === "number" ? num(v, digits) : "n/a";
}

/** A numeric setting of the run as a number (NaN when absent). */
export function settingValue(r: BenchRecord, key: string): number {
  const v = r.params[key];
  return typeof v === "number" ? v : Number.NaN;
}

/** A list setting, "1,000 and 10,000". */
export function settingList(r: BenchRecord, key: string): string {
  const v = r.params[key];
  if (!Array.isArray(v) || v.length === 0) return "n/a";
  const items = v.map((x) => (typeof x === "number" ? num(x) : String(x)));
  return items.length === 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export function join(...sentences: string[]): string {
  return sentences.join(" ");
}
