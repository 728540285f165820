import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { TokenBucket } from "../src/ratelimit/token-bucket.js";

describe("token bucket rate limiter", () => {
  it("lets a burst through at once and refuses the next call immediately", () => {
    const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 5 }, new FakeClock());
    for (let i = 0; i < 5; i++) assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.tryTake(), false);
    assert.equal(bucket.retryAfterMs(), 100);
  });

  it("refills at requests_per_second", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 1 }, clock);
    bucket.tryTake();
    clock.advance(60);
    assert.equal(bucket.tryTake(), false);
    assert.equal(bucket.retryAfterMs(), 40);
    clock.advance(40);
    assert.equal(bucket.tryTake(), true);
  });

  it("holds the configured rate over time: 100 rps for 10 s passes about 1,000 calls plus the burst", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ requestsPerSecond: 100, burst: 20 }, clock);
    let passed = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      for (let i = 0; i < 5; i++) if (bucket.tryTake()) passed++;
      clock.advance(1);
    }
    assert.ok(passed >= 1_000 + 20 - 1 && passed <= 1_000 + 20, String(passed));
  });

  it("never holds more than the burst after a long idle time", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ requestsPerSecond: 1_000, burst: 3 }, clock);
    clock.advance(3_600_000);
    assert.equal(bucket.available, 3);
  });

  it("keeps its tokens across a live change, clamped to the new burst, and refills at the new rate", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 10 }, clock);
    bucket.updateConfig({ requestsPerSecond: 1, burst: 4 });
    assert.equal(bucket.available, 4);
    for (let i = 0; i < 4; i++) bucket.tryTake();
    assert.equal(bucket.retryAfterMs(), 1_000);
  });

  it("supports rates below one per second", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ requestsPerSecond: 0.5, burst: 1 }, clock);
    assert.equal(bucket.tryTake(), true);
    clock.advance(1_999);
    assert.equal(bucket.tryTake(), false);
    clock.advance(1);
    assert.equal(bucket.tryTake(), true);
  });
});
