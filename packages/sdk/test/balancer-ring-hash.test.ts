import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { EndpointLoad } from "../src/balancer/endpoint-load.js";
import { murmur3 } from "../src/balancer/hash.js";
import { RingHashPicker } from "../src/balancer/ring-hash.js";
import { seededRandom } from "../src/balancer/seeded-random.js";

const clock = new FakeClock();
type Endpoint = { key: string; weight: number; load: EndpointLoad };
const endpoint = (key: string, weight = 1): Endpoint => ({
  key,
  weight,
  load: new EndpointLoad(clock, 10_000),
});
const tenEndpoints = () => Array.from({ length: 10 }, (_, i) => endpoint(`10.0.0.${i}:50051`));
const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

function assignments(picker: RingHashPicker<Endpoint>): Map<string, string> {
  return new Map(keys.map((k) => [k, picker.pick({ hashKey: k })?.key ?? ""]));
}

describe("murmur3", () => {
  it("matches MurmurHash3_x86_32 reference values on the string's UTF-16LE bytes", () => {
    assert.equal(murmur3(""), 0);
    assert.equal(murmur3("\u0000\u0000"), 0x2362f9de);
    assert.equal(murmur3("\u4321\u8765"), 0xf55b516b);
    assert.equal(murmur3("\u4321"), 0xa0f7b07a);
    assert.equal(murmur3("", 1), 0x514e28b7);
  });
});

describe("ring_hash picker", () => {
  it("sends the same key to the same endpoint, whatever the order of the endpoint list", () => {
    const list = tenEndpoints();
    const a = assignments(new RingHashPicker(list, 1024, seededRandom(1)));
    const b = assignments(new RingHashPicker([...list].reverse(), 1024, seededRandom(2)));
    assert.deepEqual(a, b);
  });

  it("spreads keys over every endpoint (each within 5 to 15% of 20,000 keys)", () => {
    const owners = [...assignments(new RingHashPicker(tenEndpoints(), 1024, seededRandom(3))).values()];
    for (const e of tenEndpoints()) {
      const share = owners.filter((o) => o === e.key).length / keys.length;
      assert.ok(share > 0.05 && share < 0.15, `${e.key}: ${share}`);
    }
  });

  it("moves only the keys of an endpoint that leaves", () => {
    const list = tenEndpoints();
    const before = assignments(new RingHashPicker(list, 1024, seededRandom(4)));
    const gone = list[3]?.key;
    const after = assignments(
      new RingHashPicker(
        list.filter((e) => e.key !== gone),
        1024,
        seededRandom(5),
      ),
    );
    let moved = 0;
    for (const [k, owner] of before) {
      if (owner === gone) moved++;
      else assert.equal(after.get(k), owner, `key ${k} moved from a remaining endpoint`);
    }
    // The leaving endpoint's share, about a tenth of the keys, and only that moved.
    assert.ok(moved / keys.length > 0.05 && moved / keys.length < 0.15);
  });

  it("gives an endpoint of weight 3 about three times the keys of one of weight 1", () => {
    const picker = new RingHashPicker([endpoint("heavy", 3), endpoint("light", 1)], 1024, seededRandom(6));
    const heavy = [...assignments(picker).values()].filter((o) => o === "heavy").length / keys.length;
    assert.ok(heavy > 0.7 && heavy < 0.8, String(heavy));
  });

  it("lays at least ring_size points on the ring", () => {
    assert.ok(new RingHashPicker(tenEndpoints(), 1024, seededRandom(7)).size >= 1024);
    assert.ok(new RingHashPicker([endpoint("only")], 16, seededRandom(8)).size >= 16);
  });

  it("sends a retry of a key to one other endpoint, the same for every client", () => {
    const list = tenEndpoints();
    const p1 = new RingHashPicker(list, 1024, seededRandom(9));
    const p2 = new RingHashPicker(list, 1024, seededRandom(10));
    const first = p1.pick({ hashKey: "cart-42" })?.key ?? "";
    const retry1 = p1.pick({ hashKey: "cart-42", avoid: new Set([first]) })?.key;
    const retry2 = p2.pick({ hashKey: "cart-42", avoid: new Set([first]) })?.key;
    assert.notEqual(retry1, first);
    assert.equal(retry1, retry2);
  });

  it("sends a call without a hash key to a random endpoint", () => {
    const picker = new RingHashPicker(tenEndpoints(), 1024, seededRandom(11));
    const seen = new Set(Array.from({ length: 500 }, () => picker.pick({})?.key));
    assert.equal(seen.size, 10);
  });

  it("picks nothing from an empty list", () => {
    assert.equal(new RingHashPicker([], 1024, seededRandom(12)).pick({ hashKey: "k" }), undefined);
  });
});
