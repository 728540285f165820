/**
 * A small seeded generator (sfc32), so every fuzz case is reproducible from the run's seed and
 * the case number: `FUZZ_SEED=<seed> FUZZ_ONLY=<n>,<m>` replays exactly those cases.
 */

/** Mixes a seed and a case number into a 32-bit state word (murmur3 finalizer). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** The generator for case `index` of the run seeded `seed`. */
  constructor(seed: number, index = 0) {
    this.a = mix(seed, index);
    this.b = mix(this.a, 1);
    this.c = mix(this.b, 2);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** The run's seed: FUZZ_SEED, else a fresh one (printed by the tests so a failure can be replayed). */
export function fuzzSeed(): number {
  const fromEnv = process.env.FUZZ_SEED;
  if (fromEnv !== undefined && fromEnv !== "") {
    const n = Number(fromEnv);
    if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer (got ${fromEnv})`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** Case numbers to run: FUZZ_ONLY (comma-separated) when set, else 0..count-1. */
export function caseNumbers(count: number): number[] {
  const only = process.env.FUZZ_ONLY;
  if (only) return only.split(",").map((s) => Number(s.trim()));
  return Array.from({ length: count }, (_, i) => i);
}

/** An integer from the environment, with a default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got ${raw})`);
  return n;
}
