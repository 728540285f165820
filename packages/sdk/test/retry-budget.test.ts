import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { RetryBudget } from "../src/retry/retry-budget.js";

/** Retries granted in a row until the budget refuses one. */
function drain(budget: RetryBudget): number {
  let n = 0;
  while (budget.tryRetry()) n++;
  return n;
}

describe("retry budget", () => {
  it("allows ratio x requests retries", () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 0, windowMs: 10_000 }, new FakeClock());
    for (let i = 0; i < 100; i++) budget.recordRequest();
    assert.equal(budget.available, 20);
    assert.equal(drain(budget), 20);
  });

  it("always allows min_retries_per_second x window, even with no traffic", () => {
    const budget = new RetryBudget(
      { ratio: 0.2, minRetriesPerSecond: 10, windowMs: 10_000 },
      new FakeClock(),
    );
    assert.equal(drain(budget), 100);
  });

  it("adds the floor to the share of traffic", () => {
    const budget = new RetryBudget({ ratio: 0.1, minRetriesPerSecond: 1, windowMs: 5_000 }, new FakeClock());
    for (let i = 0; i < 50; i++) budget.recordRequest();
    assert.equal(drain(budget), 5 + 5);
  });

  it("lets deposits expire once they leave the window", () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 10_000 }, clock);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    clock.advance(5_000);
    assert.equal(budget.available, 5);
    clock.advance(5_000);
    assert.equal(budget.available, 0);
    assert.equal(budget.tryRetry(), false);
  });

  it("gives retries back once they leave the window", () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 1, windowMs: 10_000 }, clock);
    assert.equal(drain(budget), 10);
    clock.advance(10_000);
    assert.equal(drain(budget), 10);
  });

  it("keeps retries within ratio x traffic in a sustained outage", () => {
    // 1,000 calls a second, every one failing and asking for a retry, for 60 s.
    const clock = new FakeClock();
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 10, windowMs: 10_000 }, clock);
    let retries = 0;
    for (let ms = 0; ms < 60_000; ms++) {
      budget.recordRequest();
      if (budget.tryRetry()) retries++;
      clock.advance(1);
    }
    // 20% of 60,000 plus the floor of 10/s, with one window's slack.
    assert.ok(retries <= 60_000 * 0.2 + 600 + 100, String(retries));
    assert.ok(retries >= 60_000 * 0.2, String(retries));
  });

  it("applies a new ratio to later requests and keeps the balance when the window changes", () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ ratio: 0.1, minRetriesPerSecond: 0, windowMs: 10_000 }, clock);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    budget.updateConfig({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 20_000 });
    assert.equal(budget.available, 1);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    assert.equal(budget.available, 6);
  });
});
