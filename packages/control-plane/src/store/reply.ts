/**
 * Reads a script's named reply: a flat [name, value, name, value, ...] table (Redis keeps only
 * the array part of a Lua table). A reply of the wrong shape is a store failure, not a crash.
 */
import { storeFailure } from "./errors.js";

export class NamedReply {
  private readonly fields = new Map<string, unknown>();

  constructor(
    raw: unknown,
    private readonly what: string,
  ) {
    if (!Array.isArray(raw)) throw storeFailure(`${what}: expected a table reply, got ${typeof raw}`);
    if (raw.length % 2 !== 0) throw storeFailure(`${what}: reply has an odd number of items`);
    for (let i = 0; i < raw.length; i += 2)
      this.fields.set(asString(raw[i], `${what} field name`), raw[i + 1]);
  }

  has(name: string): boolean {
    return this.fields.has(name);
  }

  string(name: string): string {
    return asString(this.get(name), `${this.what}.${name}`);
  }

  number(name: string): number {
    const value = this.get(name);
    const n = typeof value === "string" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isFinite(n))
      throw storeFailure(`${this.what}.${name}: expected a number, got ${String(value)}`);
    return n;
  }

  flag(name: string): boolean {
    return this.number(name) === 1;
  }

  /** A nested list of plain values. */
  values(name: string): unknown[] {
    const value = this.get(name);
    if (!Array.isArray(value)) throw storeFailure(`${this.what}.${name}: expected a list`);
    return value;
  }

  /** A nested list of named tables. */
  list(name: string): NamedReply[] {
    return this.values(name).map((item, i) => new NamedReply(item, `${this.what}.${name}[${i}]`));
  }

  private get(name: string): unknown {
    if (!this.fields.has(name)) throw storeFailure(`${this.what}: reply lacks "${name}"`);
    return this.fields.get(name);
  }
}

export function asString(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  throw storeFailure(`${what}: expected a string reply, got ${typeof value}`);
}
