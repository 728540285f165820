/** Checked reads of script replies: a reply of the wrong shape is a store failure, not a crash. */
import { storeFailure } from "./errors.js";

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw storeFailure(`${what}: expected an array reply, got ${typeof value}`);
  return value;
}

export function asString(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  throw storeFailure(`${what}: expected a string reply, got ${typeof value}`);
}

export function asNumber(value: unknown, what: string): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n))
    throw storeFailure(`${what}: expected a number, got ${String(value)}`);
  return n;
}

/** Splits a flat [a1, b1, a2, b2, ...] reply into tuples of `size`. */
export function chunks(values: readonly unknown[], size: number, what: string): unknown[][] {
  if (values.length % size !== 0)
    throw storeFailure(`${what}: reply length ${values.length} is not a multiple of ${size}`);
  const out: unknown[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}
