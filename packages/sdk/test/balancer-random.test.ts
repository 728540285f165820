import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { EndpointLoad } from "../src/balancer/endpoint-load.js";
import { RandomPicker } from "../src/balancer/random.js";
import { seededRandom } from "../src/balancer/seeded-random.js";

const clock = new FakeClock();
const endpoints = ["a", "b", "c", "d"].map((key) => ({
  key,
  weight: 1,
  load: new EndpointLoad(clock, 10_000),
}));

function share(picker: RandomPicker<(typeof endpoints)[number]>, picks: number, avoid?: Set<string>) {
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const key = picker.pick({ avoid })?.key ?? "";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe("random picker", () => {
  it("spreads calls uniformly (40,000 picks over 4 endpoints, each within 6% of 10,000)", () => {
    // Each count has a standard deviation of about 87: 600 is 7 of them.
    const counts = share(new RandomPicker(endpoints, seededRandom(11)), 40_000);
    for (const e of endpoints) assert.ok(Math.abs((counts.get(e.key) ?? 0) - 10_000) < 600, e.key);
  });

  it("never picks a tried endpoint while another is left", () => {
    const counts = share(new RandomPicker(endpoints, seededRandom(12)), 1_000, new Set(["b"]));
    assert.equal(counts.get("b"), undefined);
    assert.equal(
      [...counts.values()].reduce((a, b) => a + b, 0),
      1_000,
    );
  });

  it("still picks an endpoint when all were tried", () => {
    const picker = new RandomPicker(endpoints, seededRandom(13));
    assert.ok(picker.pick({ avoid: new Set(["a", "b", "c", "d"]) }) !== undefined);
  });

  it("picks nothing from an empty list", () => {
    assert.equal(new RandomPicker([], seededRandom(14)).pick({}), undefined);
  });
});
