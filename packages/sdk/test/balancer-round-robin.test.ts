import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { EndpointLoad } from "../src/balancer/endpoint-load.js";
import { RoundRobinPicker } from "../src/balancer/round-robin.js";
import { seededRandom } from "../src/balancer/seeded-random.js";

const clock = new FakeClock();
const endpoints = ["a", "b", "c", "d"].map((key) => ({
  key,
  weight: 1,
  load: new EndpointLoad(clock, 10_000),
}));

describe("round_robin picker", () => {
  it("spreads calls exactly evenly, in turn", () => {
    const picker = new RoundRobinPicker(endpoints, seededRandom(1));
    const counts = new Map<string, number>();
    let previous = "";
    for (let i = 0; i < 400; i++) {
      const key = picker.pick({})?.key ?? "";
      assert.notEqual(key, previous, "the same endpoint twice in a row");
      counts.set(key, (counts.get(key) ?? 0) + 1);
      previous = key;
    }
    assert.deepEqual([...counts.values()], [100, 100, 100, 100]);
  });

  it("starts at a random offset, so clients that start together do not all hit one endpoint first", () => {
    const random = seededRandom(7);
    const firsts = new Set<string>();
    for (let i = 0; i < 100; i++) firsts.add(new RoundRobinPicker(endpoints, random).pick({})?.key ?? "");
    assert.equal(firsts.size, 4);
  });

  it("skips endpoints an earlier attempt of the call already tried", () => {
    const picker = new RoundRobinPicker(endpoints, seededRandom(2));
    const avoid = new Set(["a", "c"]);
    for (let i = 0; i < 50; i++) assert.ok(["b", "d"].includes(picker.pick({ avoid })?.key ?? ""));
  });

  it("falls back to a tried endpoint when every endpoint was tried", () => {
    const picker = new RoundRobinPicker(endpoints, seededRandom(3));
    assert.ok(picker.pick({ avoid: new Set(["a", "b", "c", "d"]) }) !== undefined);
  });

  it("picks nothing from an empty list", () => {
    assert.equal(new RoundRobinPicker([], seededRandom(4)).pick({}), undefined);
  });
});
