import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { EndpointLoad } from "../src/balancer/endpoint-load.js";
import { seededRandom } from "../src/balancer/seeded-random.js";
import { WeightedRoundRobinPicker } from "../src/balancer/weighted-round-robin.js";

const clock = new FakeClock();
type Endpoint = { key: string; weight: number; load: EndpointLoad };
const endpoint = (key: string, weight: number): Endpoint => ({
  key,
  weight,
  load: new EndpointLoad(clock, 10_000),
});

function counts(picker: WeightedRoundRobinPicker<Endpoint>, picks: number, avoid?: Set<string>) {
  const out = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const key = picker.pick({ avoid })?.key ?? "";
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

describe("weighted_round_robin picker", () => {
  it("gives each endpoint calls exactly in proportion to its weight over every period", () => {
    const list = [endpoint("a", 1), endpoint("b", 2), endpoint("c", 3), endpoint("d", 4)];
    const picker = new WeightedRoundRobinPicker(list, seededRandom(1));
    // Any 10 consecutive picks (one period), wherever the rotation started.
    for (let round = 0; round < 5; round++) {
      const c = counts(picker, 10);
      assert.deepEqual([c.get("a"), c.get("b"), c.get("c"), c.get("d")], [1, 2, 3, 4]);
    }
  });

  it("interleaves endpoints instead of sending one endpoint's share in a burst", () => {
    const picker = new WeightedRoundRobinPicker([endpoint("a", 2), endpoint("b", 1)], seededRandom(2));
    const sequence = Array.from({ length: 9 }, () => picker.pick({})?.key).join("");
    assert.ok(!sequence.includes("bb"), sequence);
    assert.ok(!sequence.includes("aaa"), sequence);
  });

  it("keeps proportions when the weights add up past the schedule's cap", () => {
    const list = [...Array.from({ length: 9 }, (_, i) => endpoint(`big${i}`, 1000)), endpoint("small", 250)];
    const picker = new WeightedRoundRobinPicker(list, seededRandom(3));
    const c = counts(picker, 100_000);
    const expected = 250 / 9250;
    assert.ok(Math.abs((c.get("small") ?? 0) / 100_000 - expected) < 0.001);
  });

  it("treats a weight of 0 as 1", () => {
    const picker = new WeightedRoundRobinPicker([endpoint("a", 0), endpoint("b", 1)], seededRandom(4));
    assert.deepEqual([...counts(picker, 100).values()], [50, 50]);
  });

  it("retries go to the endpoints not tried yet, still by weight", () => {
    const list = [endpoint("a", 1), endpoint("b", 2), endpoint("c", 3)];
    const c = counts(new WeightedRoundRobinPicker(list, seededRandom(5)), 30_000, new Set(["c"]));
    assert.equal(c.get("c"), undefined);
    // a: 1/3 expected (10,000, standard deviation under 60).
    assert.ok(Math.abs((c.get("a") ?? 0) - 10_000) < 500);
  });

  it("falls back to the scheduled endpoint when every endpoint was tried", () => {
    const picker = new WeightedRoundRobinPicker([endpoint("a", 1), endpoint("b", 1)], seededRandom(6));
    assert.ok(picker.pick({ avoid: new Set(["a", "b"]) }) !== undefined);
  });

  it("picks nothing from an empty list", () => {
    assert.equal(new WeightedRoundRobinPicker([], seededRandom(7)).pick({}), undefined);
  });
});
