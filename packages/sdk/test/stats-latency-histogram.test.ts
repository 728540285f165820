import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../src/balancer/seeded-random.js";
import { LatencyHistogram } from "../src/stats/latency-histogram.js";

/** Nearest-rank percentile of a sorted list: what the histogram approximates. */
function exact(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function assertWithin(actual: number, expected: number, relative: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * relative, `${label}: ${actual} vs exact ${expected}`);
}

describe("latency histogram", () => {
  it("reports percentiles within 1% of the exact values over a long-tailed sample", () => {
    // Log-uniform from 10 µs to 10 s: six decades, so every bucket scale is exercised.
    const random = seededRandom(41);
    const values = Array.from({ length: 100_000 }, () => 10 ** (random() * 6 - 2));
    const histogram = new LatencyHistogram();
    for (const v of values) histogram.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 95, 99, 99.9]) {
      assertWithin(histogram.percentile(p), exact(sorted, p), 0.01, `p${p}`);
    }
    assert.equal(histogram.count, 100_000);
  });

  it("keeps 1% precision from 1 µs to 1 h", () => {
    for (const ms of [0.001, 0.0123, 0.5, 7.77, 1_234.5, 59_999, 3_600_000]) {
      const histogram = new LatencyHistogram();
      histogram.record(ms);
      histogram.record(ms * 1.001);
      assertWithin(histogram.percentile(50), ms, 0.01, `${ms} ms`);
    }
  });

  it("never reports a percentile outside the recorded range", () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 10; i++) histogram.record(42.1);
    assert.equal(histogram.percentile(0), 42.1);
    assert.equal(histogram.percentile(100), 42.1);
  });

  it("knows the exact count, mean, minimum and maximum", () => {
    const histogram = new LatencyHistogram();
    for (const v of [1, 2, 3, 10]) histogram.record(v);
    assert.deepEqual([histogram.count, histogram.mean, histogram.min, histogram.max], [4, 4, 1, 10]);
  });

  it("merges to the same result as recording everything in one", () => {
    const random = seededRandom(42);
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const both = new LatencyHistogram();
    for (let i = 0; i < 5_000; i++) {
      const v = random() * 100;
      (i % 2 === 0 ? a : b).record(v);
      both.record(v);
    }
    a.merge(b);
    for (const p of [50, 95, 99]) assert.equal(a.percentile(p), both.percentile(p));
    assert.equal(a.count, both.count);
    assert.equal(a.max, both.max);
  });

  it("reports 0 when empty, and again after a reset", () => {
    const histogram = new LatencyHistogram();
    assert.equal(histogram.percentile(99), 0);
    histogram.record(5);
    histogram.reset();
    assert.deepEqual([histogram.count, histogram.percentile(50), histogram.max], [0, 0, 0]);
  });

  it("counts negative and NaN durations as 0 and clamps huge ones", () => {
    const histogram = new LatencyHistogram();
    histogram.record(-3);
    histogram.record(Number.NaN);
    histogram.record(1e12);
    assert.equal(histogram.count, 3);
    assert.ok(histogram.percentile(50) < 0.001, "under a microsecond");
    assert.equal(histogram.max, 1e12);
  });
});
