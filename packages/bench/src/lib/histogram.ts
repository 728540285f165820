/**
 * A log-bucketed latency histogram (0.5 % relative precision), cheap to record into and to
 * merge across processes: buckets are sent as a sparse [index, count] list.
 */
const GROWTH = 1.005;
const LOG_GROWTH = Math.log(GROWTH);

export type HistogramData = readonly (readonly [number, number])[];

export class Histogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private maxValue = 0;

  /** Records a value (any unit; values below 1 share the first bucket). */
  record(value: number): void {
    const index = value <= 1 ? 0 : Math.ceil(Math.log(value) / LOG_GROWTH);
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
    this.total += 1;
    if (value > this.maxValue) this.maxValue = value;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxValue;
  }

  /** The value at quantile q (0..1): the upper edge of the bucket holding it. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(index) ?? 0;
      if (seen >= rank) return Math.min(this.maxValue, index === 0 ? 1 : GROWTH ** index);
    }
    return this.maxValue;
  }

  merge(data: HistogramData, max: number): void {
    for (const [index, n] of data) {
      this.counts.set(index, (this.counts.get(index) ?? 0) + n);
      this.total += n;
    }
    if (max > this.maxValue) this.maxValue = max;
  }

  toData(): HistogramData {
    return [...this.counts.entries()];
  }
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function summarize(h: Histogram): LatencySummary {
  return {
    count: h.count,
    p50: h.quantile(0.5),
    p90: h.quantile(0.9),
    p99: h.quantile(0.99),
    p999: h.quantile(0.999),
    max: h.max,
  };
}
