import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { EndpointLoad } from "../src/balancer/endpoint-load.js";
import { LeastRequestPicker } from "../src/balancer/least-request.js";
import { seededRandom } from "../src/balancer/seeded-random.js";

const clock = new FakeClock();

/** Endpoints a, b, c, d with 0, 1, 2, 3 calls in flight. */
function loaded() {
  return ["a", "b", "c", "d"].map((key, i) => {
    const load = new EndpointLoad(clock, 10_000);
    load.inFlight = i;
    return { key, weight: 1, load };
  });
}

function counts(
  picker: LeastRequestPicker<ReturnType<typeof loaded>[number]>,
  picks: number,
  avoid?: Set<string>,
) {
  const out = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const key = picker.pick({ avoid })?.key ?? "";
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

describe("least_request picker", () => {
  it("sends each call to the less loaded of two distinct random endpoints", () => {
    // Of the 6 pairs, a is in 3, b wins 2 ({b,c}, {b,d}), c wins 1 ({c,d}) and d never wins.
    const c = counts(new LeastRequestPicker(loaded(), 2, seededRandom(21)), 60_000);
    assert.equal(c.get("d"), undefined, "the most loaded endpoint was picked");
    assert.ok(Math.abs((c.get("a") ?? 0) - 30_000) < 1_000);
    assert.ok(Math.abs((c.get("b") ?? 0) - 20_000) < 1_000);
    assert.ok(Math.abs((c.get("c") ?? 0) - 10_000) < 1_000);
  });

  it("honours choice_count: sampling every endpoint always finds the least loaded", () => {
    const c = counts(new LeastRequestPicker(loaded(), 4, seededRandom(22)), 1_000);
    assert.deepEqual([...c], [["a", 1_000]]);
  });

  it("spreads evenly when every endpoint is equally loaded", () => {
    const idle = loaded().map((e) => ({ ...e, load: new EndpointLoad(clock, 10_000) }));
    const c = counts(new LeastRequestPicker(idle, 2, seededRandom(23)), 40_000);
    for (const key of ["a", "b", "c", "d"]) assert.ok(Math.abs((c.get(key) ?? 0) - 10_000) < 600, key);
  });

  it("follows load as calls start and end", () => {
    const list = loaded();
    const picker = new LeastRequestPicker(list, 4, seededRandom(24));
    const a = list[0]?.load;
    a?.onCallStarted();
    a?.onCallStarted();
    assert.equal(picker.pick({})?.key, "b");
    a?.onCallEnded(5);
    a?.onCallEnded(5);
    assert.equal(picker.pick({})?.key, "a");
  });

  it("does not spend a choice on an endpoint already tried", () => {
    // With a tried, the choice is among b, c, d, and d still never wins.
    const c = counts(new LeastRequestPicker(loaded(), 2, seededRandom(25)), 30_000, new Set(["a"]));
    assert.equal(c.get("a"), undefined);
    assert.equal(c.get("d"), undefined);
    assert.ok(Math.abs((c.get("b") ?? 0) - 20_000) < 800);
  });

  it("falls back to a tried endpoint when every endpoint was tried", () => {
    const picker = new LeastRequestPicker(loaded(), 2, seededRandom(26));
    assert.ok(picker.pick({ avoid: new Set(["a", "b", "c", "d"]) }) !== undefined);
  });

  it("picks the only endpoint, and nothing from an empty list", () => {
    const [only] = loaded();
    assert.ok(only);
    assert.equal(new LeastRequestPicker([only], 2, seededRandom(27)).pick({}), only);
    assert.equal(new LeastRequestPicker([], 2, seededRandom(28)).pick({}), undefined);
  });
});
