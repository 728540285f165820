import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { destinationForBucket, STICKY_BUCKETS, stickyBucket } from "@switchboard/core";
import { CHI2_1DF_P001, chiSquare, header, router, seeded, toSubset } from "./route-helpers.js";

const PATH = "/users.v1.Users/Get";

function md(headers: Record<string, string | string[]> = {}): Metadata {
  const m = new Metadata();
  for (const [k, v] of Object.entries(headers)) for (const x of typeof v === "string" ? [v] : v) m.add(k, x);
  return m;
}

const SUBSETS = [
  { name: "v1", selector: { version: "v1" } },
  { name: "v2", selector: { version: "v2" } },
];

/** One rule "r" sending to v2 when `header` holds; otherwise no rule matches. */
function headerRouter(matcher: ReturnType<typeof header>) {
  return router({
    subsets: SUBSETS,
    rules: [{ name: "r", match: { headers: [matcher] }, destinations: [toSubset(100, "v2")] }],
  });
}

function routed(r: ReturnType<typeof router>, headers: Record<string, string | string[]>, path = PATH) {
  return r.decide(path, md(headers))?.label;
}

describe("route matching", () => {
  it("tests headers by exact value, prefix, suffix, whole-value regex and presence", () => {
    const exact = headerRouter(header("x-canary", { exact: "1" }));
    assert.equal(routed(exact, { "x-canary": "1" }), "v2");
    assert.equal(routed(exact, { "x-canary": "10" }), undefined);
    assert.equal(routed(exact, {}), undefined);
    const prefix = headerRouter(header("x-user", { prefix: "qa-" }));
    assert.equal(routed(prefix, { "x-user": "qa-7" }), "v2");
    assert.equal(routed(prefix, { "x-user": "7-qa-" }), undefined);
    const suffix = headerRouter(header("x-user", { suffix: "@corp" }));
    assert.equal(routed(suffix, { "x-user": "ann@corp" }), "v2");
    assert.equal(routed(suffix, { "x-user": "ann@corp.org" }), undefined);
    const regex = headerRouter(header("x-user", { safeRegex: "qa-[0-9]+" }));
    assert.equal(routed(regex, { "x-user": "qa-12" }), "v2");
    assert.equal(routed(regex, { "x-user": "qa-12x" }), undefined, "the regex must match the whole value");
    const present = headerRouter(header("x-debug", { present: true }));
    assert.equal(routed(present, { "x-debug": "" }), "v2");
    assert.equal(routed(present, {}), undefined);
    const absent = headerRouter(header("x-debug", { present: false }));
    assert.equal(routed(absent, {}), "v2");
    assert.equal(routed(absent, { "x-debug": "1" }), undefined);
  });

  it("inverts a test: an inverted matcher holds exactly when the test does not, an absent header included", () => {
    const r = headerRouter(header("x-canary", { exact: "1" }, true));
    assert.equal(routed(r, { "x-canary": "1" }), undefined);
    assert.equal(routed(r, { "x-canary": "2" }), "v2");
    assert.equal(routed(r, {}), "v2");
  });

  it("matches a header sent several times against its values joined with commas", () => {
    const r = headerRouter(header("x-tags", { exact: "a,b" }));
    assert.equal(routed(r, { "x-tags": ["a", "b"] }), "v2");
    assert.equal(routed(r, { "x-tags": ["a"] }), undefined);
  });

  it("matches methods exactly, by service prefix, or all; the first matching rule wins", () => {
    const r = router({
      subsets: [...SUBSETS, { name: "v3", selector: { version: "v3" } }],
      rules: [
        { name: "get", match: { method: "users.v1.Users/Get" }, destinations: [toSubset(100, "v1")] },
        { name: "users", match: { method: "users.v1.Users" }, destinations: [toSubset(100, "v2")] },
        { name: "rest", destinations: [toSubset(100, "v3")] },
      ],
    });
    assert.equal(routed(r, {}, "/users.v1.Users/Get"), "v1");
    assert.equal(routed(r, {}, "/users.v1.Users/List"), "v2");
    assert.equal(routed(r, {}, "/users.v1.UsersAdmin/List"), "v3", "a service prefix ends at the slash");
    assert.equal(routed(r, {}, "/orders.v1.Orders/Get"), "v3");
  });

  it("holds a runtime fraction for its share of calls (10 % of 10,000 within the p>0.001 bound)", () => {
    const r = router(
      {
        subsets: SUBSETS,
        rules: [{ name: "r", match: { runtimePercent: 10 }, destinations: [toSubset(100, "v2")] }],
      },
      seeded(7),
    );
    let hits = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) if (r.decide(PATH, md()) !== undefined) hits++;
    assert.ok(chiSquare([hits, n - hits], [0.1, 0.9]) < CHI2_1DF_P001, `${hits} of ${n}`);
  });
});

describe("splits", () => {
  const split = (v1: number, v2: number, random?: () => number) =>
    router(
      {
        subsets: SUBSETS,
        rules: [
          {
            name: "split",
            hashHeader: "x-user",
            destinations: [toSubset(v1, "v1"), toSubset(v2, "v2")],
          },
        ],
      },
      random,
    );

  it("splits calls without the hash header at random by weight (90/10 over 10,000 within p>0.001)", () => {
    const r = split(90, 10, seeded(11));
    let v2 = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) if (routed(r, {}) === "v2") v2++;
    assert.ok(chiSquare([n - v2, v2], [0.9, 0.1]) < CHI2_1DF_P001, `${v2} of ${n} to v2`);
  });

  it("sends the same key to the same destination in two independently built routers", () => {
    const a = split(50, 50, seeded(1));
    const b = split(50, 50, seeded(2));
    for (let i = 0; i < 1000; i++) {
      const user = { "x-user": `user-${i}` };
      assert.equal(routed(a, user), routed(b, user), `user-${i}`);
    }
  });

  it("moves only keys from the 90 side, about 10 % of all, when 90/10 becomes 80/20", () => {
    const before = split(90, 10);
    const after = split(80, 20);
    let moved = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const user = { "x-user": `user-${i}` };
      const from = routed(before, user);
      const to = routed(after, user);
      if (from === to) continue;
      assert.deepEqual([from, to], ["v1", "v2"], `user-${i} moved the wrong way`);
      moved++;
    }
    assert.ok(chiSquare([moved, n - moved], [0.1, 0.9]) < CHI2_1DF_P001, `${moved} of ${n} moved`);
  });

  it("lands a key where core's sticky rule puts it (same bucket, same destination)", () => {
    const keys = ["", "a", "user-1", "ünïcode", "emoji-😀", "lone-\ud800-x", "x".repeat(300)];
    for (let i = 0; i < 500; i++) keys.push(`k${i * 7919}`);
    for (const key of keys) {
      assert.equal(stickyBucket(key), referenceBucket(key), key);
    }
    const r = split(37, 63);
    const destinations = r.rules[0]?.resolved.destinations ?? [];
    // Metadata values are printable ASCII.
    for (const key of keys.filter((k) => /^[\x20-\x7e]*$/.test(k))) {
      assert.equal(
        routed(r, { "x-user": key }),
        destinationForBucket(destinations, stickyBucket(key))?.label,
      );
    }
    assert.equal(STICKY_BUCKETS, 1_000_000);
  });
});

/** The sticky rule written the plain way (FNV-1a over Buffer.from(key)), to check core's. */
function referenceBucket(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(key, "utf8")) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h % 1_000_000;
}
