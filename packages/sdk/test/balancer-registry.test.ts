import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_POLICY, FakeClock, type LbAlgorithmName } from "@switchboard/core";
import { EndpointLoad } from "../src/balancer/endpoint-load.js";
import { LeastRequestPicker } from "../src/balancer/least-request.js";
import { PeakEwmaPicker } from "../src/balancer/peak-ewma.js";
import { RandomPicker } from "../src/balancer/random.js";
import { createBalancer } from "../src/balancer/registry.js";
import { RingHashPicker } from "../src/balancer/ring-hash.js";
import { RoundRobinPicker } from "../src/balancer/round-robin.js";
import { seededRandom } from "../src/balancer/seeded-random.js";
import { WeightedRoundRobinPicker } from "../src/balancer/weighted-round-robin.js";

describe("balancer registry", () => {
  const clock = new FakeClock();
  const endpoints = [{ key: "a", weight: 1, load: new EndpointLoad(clock, 10_000) }];
  const cases: [LbAlgorithmName, unknown][] = [
    ["round_robin", RoundRobinPicker],
    ["random", RandomPicker],
    ["weighted_round_robin", WeightedRoundRobinPicker],
    ["least_request", LeastRequestPicker],
    ["peak_ewma", PeakEwmaPicker],
    ["ring_hash", RingHashPicker],
  ];
  for (const [algorithm, type] of cases) {
    it(`builds a ${algorithm} picker for the ${algorithm} policy`, () => {
      const config = { ...DEFAULT_POLICY.loadBalancing, algorithm };
      const picker = createBalancer(endpoints, config, { random: seededRandom(1), clock });
      assert.ok(picker instanceof (type as new (...args: never[]) => object));
      assert.equal(picker.pick({ hashKey: "k" })?.key, "a");
    });
  }

  it("builds round robin for the default policy", () => {
    const picker = createBalancer(endpoints, DEFAULT_POLICY.loadBalancing, {
      random: seededRandom(2),
      clock,
    });
    assert.ok(picker instanceof RoundRobinPicker);
  });
});
