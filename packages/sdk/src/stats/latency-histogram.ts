/**
 * Latency histogram with fixed memory and bounded relative error, in the manner of
 * HdrHistogram: values are kept in microseconds; below 64 µs every microsecond has its own
 * bucket, above it every power of two is split into 64 equal buckets. A bucket is therefore at
 * most 1/64 of its lower bound wide, and reporting its midpoint is within 0.8% of any value in
 * it. Values from 1 µs to 1 h (and up to 2^32 µs, about 71 min) keep that precision; larger
 * ones are clamped into the last bucket, smaller ones into the first.
 *
 * 1,728 counters (14 KiB) per histogram; `record` is a few integer operations and never
 * allocates.
 */
const SUB_BITS = 6;
const SUB_COUNT = 1 << SUB_BITS;
/** Octaves 2^6 .. 2^31 µs, each SUB_COUNT buckets, after the SUB_COUNT linear ones. */
const BUCKET_COUNT = SUB_COUNT + (32 - SUB_BITS) * SUB_COUNT;
const MAX_MICROS = 0xffff_ffff;

function bucketIndex(micros: number): number {
  if (micros < SUB_COUNT) return micros;
  const exponent = 31 - Math.clz32(micros);
  const shift = exponent - SUB_BITS;
  return SUB_COUNT + shift * SUB_COUNT + ((micros >>> shift) - SUB_COUNT);
}

/** Midpoint of a bucket, in µs. */
function bucketMidpoint(index: number): number {
  if (index < SUB_COUNT) return index + 0.5;
  const shift = Math.floor((index - SUB_COUNT) / SUB_COUNT);
  const sub = (index - SUB_COUNT) % SUB_COUNT;
  const width = 2 ** shift;
  return (SUB_COUNT + sub) * width + width / 2;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private sumMs = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;

  /** Number of values recorded. */
  get count(): number {
    return this.total;
  }

  /** Mean of the recorded values in ms (exact); 0 when empty. */
  get mean(): number {
    return this.total === 0 ? 0 : this.sumMs / this.total;
  }

  /** Smallest recorded value in ms (exact); 0 when empty. */
  get min(): number {
    return this.total === 0 ? 0 : this.minMs;
  }

  /** Largest recorded value in ms (exact); 0 when empty. */
  get max(): number {
    return this.total === 0 ? 0 : this.maxMs;
  }

  /** Records one latency in milliseconds. Negative and NaN values count as 0. */
  record(ms: number): void {
    // Not Math.max: NaN must count as 0 too.
    let value = ms;
    if (!(value > 0)) value = 0;
    const micros = Math.min(Math.floor(value * 1000), MAX_MICROS);
    const index = bucketIndex(micros);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
    this.sumMs += value;
    if (value < this.minMs) this.minMs = value;
    if (value > this.maxMs) this.maxMs = value;
  }

  /**
   * The value below which `p` percent of the recorded values fall (nearest rank), in ms,
   * within the bucket precision above and never outside [min, max]. 0 when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const clamped = Math.min(Math.max(p, 0), 100);
    const rank = Math.max(1, Math.ceil((clamped / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) {
        const ms = bucketMidpoint(i) / 1000;
        return Math.min(Math.max(ms, this.minMs), this.maxMs);
      }
    }
    return this.maxMs;
  }

  /** A copy of the bucket counts, to measure a later window against (`percentileSince`). */
  countsCopy(): Float64Array {
    return this.counts.slice();
  }

  /**
   * Like `percentile`, over only the values recorded since `base` was copied with `countsCopy`
   * (every value without one), at bucket precision. 0 when nothing was recorded since.
   */
  percentileSince(base: Float64Array | undefined, p: number): number {
    let total = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) total += (this.counts[i] ?? 0) - (base?.[i] ?? 0);
    if (total <= 0) return 0;
    const clamped = Math.min(Math.max(p, 0), 100);
    const rank = Math.max(1, Math.ceil((clamped / 100) * total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += (this.counts[i] ?? 0) - (base?.[i] ?? 0);
      if (seen >= rank) return bucketMidpoint(i) / 1000;
    }
    return this.max;
  }

  /** Adds every value recorded in `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const c = other.counts[i] ?? 0;
      if (c !== 0) this.counts[i] = (this.counts[i] ?? 0) + c;
    }
    this.total += other.total;
    this.sumMs += other.sumMs;
    if (other.minMs < this.minMs) this.minMs = other.minMs;
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs;
  }

  /** Forgets every value. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sumMs = 0;
    this.minMs = Number.POSITIVE_INFINITY;
    this.maxMs = Number.NEGATIVE_INFINITY;
  }
}
