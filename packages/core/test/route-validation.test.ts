import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Fallback, RouteTable } from "../src/gen/switchboard/v1/route.js";
import { destinationForBucket, STICKY_BUCKETS, stickyBucket, validateRouteTable } from "../src/index.js";

/** A canary table: QA's header to v2, everyone else split 90/10 by user. */
function canary(overrides: Partial<RouteTable> = {}): RouteTable {
  return RouteTable.fromPartial({
    subsets: [
      { name: "v1", selector: { version: "v1" } },
      { name: "v2", selector: { version: "v2" } },
    ],
    rules: [
      {
        name: "qa",
        match: { headers: [{ name: "x-canary", kind: { $case: "exact", exact: "1" } }] },
        destinations: [{ weight: 100, target: { $case: "subset", subset: "v2" } }],
      },
      {
        name: "split",
        match: { method: "demo.user.v1.UserService" },
        hashHeader: "x-user",
        destinations: [
          { weight: 90, target: { $case: "subset", subset: "v1" } },
          { weight: 10, target: { $case: "subset", subset: "v2" } },
        ],
        timeoutMs: 500,
        retry: { maxAttempts: 2 },
        fault: { delay: { delayMs: 50, percent: 0.5 }, abort: { code: "UNAVAILABLE", percent: 10 } },
        fallback: Fallback.FALLBACK_DEFAULT_ROUTE,
      },
    ],
    propagateHeaders: ["x-canary"],
    ...overrides,
  });
}

function violation(table: RouteTable | undefined): { field: string; message: string } {
  const r = validateRouteTable(table);
  assert.equal(r.ok, false, "the table was accepted; a violation was expected");
  return r.ok ? { field: "", message: "" } : r.error;
}

describe("validateRouteTable", () => {
  it("resolves a canary table: subsets, ordered rules, sticky split, overrides, faults", () => {
    const r = validateRouteTable(canary());
    assert.ok(r.ok);
    const t = r.value;
    assert.deepEqual([...t.subsets.keys()], ["v1", "v2"]);
    assert.equal(t.subsets.get("v2")?.selector.get("version"), "v2");
    assert.deepEqual(
      t.rules.map((x) => x.name),
      ["qa", "split"],
    );
    const split = t.rules[1]!;
    assert.deepEqual(split.match.method, { kind: "service", prefix: "demo.user.v1.UserService/" });
    assert.equal(split.hashHeader, "x-user");
    assert.deepEqual(
      split.destinations.map((d) => [d.label, d.weight]),
      [
        ["v1", 90],
        ["v2", 10],
      ],
    );
    assert.equal(split.timeoutMs, 500);
    assert.equal(split.retry?.maxAttempts, 2);
    assert.deepEqual(split.fault, {
      delay: { delayMs: 50, perMillion: 5000 },
      abort: { code: 14, perMillion: 100_000 },
    });
    assert.equal(split.fallback, "default_route");
    assert.equal(t.rules[0]!.fallback, "fail");
    assert.deepEqual(t.propagateHeaders, ["x-canary"]);
  });

  it("takes a full method name, with or without its leading slash", () => {
    const table = canary();
    table.rules[0]!.match!.method = "/demo.user.v1.UserService/GetUser";
    const r = validateRouteTable(table);
    assert.ok(r.ok);
    assert.deepEqual(r.value.rules[0]!.match.method, {
      kind: "exact",
      method: "demo.user.v1.UserService/GetUser",
    });
  });

  it("refuses an empty table, naming rules", () => {
    assert.equal(violation(canary({ rules: [] })).field, "routes.rules");
    assert.equal(violation(undefined).field, "routes");
  });

  it("refuses a destination naming an unknown subset, listing the known ones", () => {
    const table = canary();
    table.rules[0]!.destinations[0]!.target = { $case: "subset", subset: "v3" };
    const v = violation(table);
    assert.equal(v.field, "routes.rules[0].destinations[0].subset");
    assert.match(v.message, /"v3" is not a subset.*"v1", "v2"/);
  });

  it("refuses weights that do not add up to 100", () => {
    const table = canary();
    table.rules[1]!.destinations[1]!.weight = 5;
    const v = violation(table);
    assert.equal(v.field, "routes.rules[1].destinations");
    assert.match(v.message, /add up to 95/);
  });

  it("accepts another mesh service as a destination and refuses a bad service name", () => {
    const table = canary();
    table.rules[0]!.destinations[0]!.target = { $case: "service", service: "user-service-v2" };
    assert.ok(validateRouteTable(table).ok);
    table.rules[0]!.destinations[0]!.target = { $case: "service", service: "bad/name" };
    assert.equal(violation(table).field, "routes.rules[0].destinations[0].service");
  });

  it("refuses regexes RE2 cannot run or that backtrack without bound, and takes safe ones", () => {
    const table = canary();
    const header = table.rules[0]!.match!.headers[0]!;
    for (const [source, why] of [
      ["(a+)+$", /repeats a group/],
      ["(x|xy)*z", /repeats a group/],
      ["(x|xy", /not a valid/],
      ["(a)\\1", /backreferences/],
      ["(?=a)b", /lookahead/],
      ["a".repeat(257), /at most 256/],
    ] as const) {
      header.kind = { $case: "safeRegex", safeRegex: source };
      const v = violation(table);
      assert.equal(v.field, "routes.rules[0].match.headers[0].safe_regex");
      assert.match(v.message, why);
    }
    header.kind = { $case: "safeRegex", safeRegex: "qa-[0-9]+|staff-(alice|bob)" };
    const r = validateRouteTable(table);
    assert.ok(r.ok);
    const test = r.value.rules[0]!.match.headers[0]!.test;
    assert.ok(test.kind === "regex" && test.regex.test("qa-17") && !test.regex.test("xqa-17"));
  });

  it("refuses a header matcher with no test, binary or reserved headers", () => {
    const table = canary();
    table.rules[0]!.match!.headers[0]!.kind = undefined;
    assert.match(violation(table).message, /needs one of exact, prefix, suffix, safe_regex or present/);
    const bin = canary();
    bin.rules[0]!.match!.headers[0]!.name = "trace-bin";
    assert.match(violation(bin).message, /binary headers/);
    const upper = canary();
    upper.rules[0]!.match!.headers[0]!.name = "X-Canary";
    assert.equal(violation(upper).field, "routes.rules[0].match.headers[0].name");
  });

  it("refuses percentages out of range or finer than 4 decimals, and an OK abort", () => {
    const table = canary();
    table.rules[1]!.fault!.delay!.percent = 0;
    assert.equal(violation(table).field, "routes.rules[1].fault.delay.percent");
    table.rules[1]!.fault!.delay!.percent = 0.00001;
    assert.match(violation(table).message, /at most 4 decimals/);
    const abort = canary();
    abort.rules[1]!.fault!.abort!.code = "OK";
    assert.equal(violation(abort).field, "routes.rules[1].fault.abort.code");
    const fraction = canary();
    fraction.rules[0]!.match!.runtimePercent = 101;
    assert.equal(violation(fraction).field, "routes.rules[0].match.runtime_percent");
  });

  it("refuses duplicate names and a per-route retry budget", () => {
    const dupRule = canary();
    dupRule.rules[1]!.name = "qa";
    assert.equal(violation(dupRule).field, "routes.rules[1].name");
    const dupSubset = canary();
    dupSubset.subsets[1]!.name = "v1";
    assert.equal(violation(dupSubset).field, "routes.subsets[1].name");
    const budget = canary();
    budget.rules[1]!.retry = { retryableCodes: [], budget: { ratio: 0.1 } };
    assert.equal(violation(budget).field, "routes.rules[1].retry.budget");
  });

  it("refuses a subset without a selector and a bad method", () => {
    const table = canary();
    table.subsets[0]!.selector = {};
    assert.equal(violation(table).field, "routes.subsets[0].selector");
    const method = canary();
    method.rules[0]!.match!.method = "GetUser";
    assert.equal(violation(method).field, "routes.rules[0].match.method");
  });

  it("refuses an unknown fallback value (from a newer control plane)", () => {
    const table = canary();
    table.rules[0]!.fallback = 7 as Fallback;
    assert.equal(violation(table).field, "routes.rules[0].fallback");
  });
});

describe("sticky buckets", () => {
  it("puts a key in the same bucket every time, and spreads keys over the range", () => {
    assert.equal(stickyBucket("user-42"), stickyBucket("user-42"));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++)
      counts[Math.floor((stickyBucket(`user-${i}`) * 4) / STICKY_BUCKETS)]! += 1;
    for (const c of counts) assert.ok(c > 9_400 && c < 10_600, `quarter holds ${c} of 40000 keys`);
  });

  it("moves only the keys in the range that changed hands when weights move", () => {
    const before = [
      { weight: 90, name: "v1" },
      { weight: 10, name: "v2" },
    ];
    const after = [
      { weight: 80, name: "v1" },
      { weight: 20, name: "v2" },
    ];
    let moved = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = stickyBucket(`user-${i}`);
      const from = destinationForBucket(before, b)!.name;
      const to = destinationForBucket(after, b)!.name;
      if (from !== to) {
        assert.equal(from, "v1", "a key moved off the side that grew");
        moved++;
      }
    }
    assert.ok(moved > 1_800 && moved < 2_200, `${moved} of 20000 keys moved; about 10% must`);
  });
});
