/**
 * docs/routing.md agrees with the code: its limits table states core's ROUTE_LIMITS, and every
 * JSON example is a SetRoutes request the control plane accepts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ROUTE_LIMITS } from "@switchboard/core";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { checkRouteTable } from "../src/validation.js";

const DOC = readFileSync(new URL("../../../docs/routing.md", import.meta.url), "utf8");

/** The value cell of the limits table row labelled `label`. */
function limit(label: string): string {
  const row = DOC.split("\n").find((line) => line.startsWith(`| ${label} |`));
  assert.ok(row, `docs/routing.md has a limits row "${label}"`);
  return row.split("|")[2]?.trim() ?? "";
}

const L = ROUTE_LIMITS;
const ROWS: ReadonlyArray<[label: string, value: string]> = [
  ["subsets per table", String(L.maxSubsets)],
  ["selector pairs per subset", String(L.maxSelectorPairs)],
  ["rules per table", String(L.maxRules)],
  ["destinations per rule", String(L.maxDestinations)],
  ["header matchers per rule", String(L.maxHeaderMatches)],
  ["propagated headers per table", String(L.maxPropagateHeaders)],
  ["subset and rule name length", String(L.nameMaxLength)],
  ["header name length", String(L.headerNameMaxLength)],
  ["header value and selector length", String(L.valueMaxLength)],
  ["regular expression length", String(L.regexMaxLength)],
  ["weights of a rule add up to", String(L.weightTotal)],
  ["fault delay", `${L.faultDelayMs.min}..${L.faultDelayMs.max} ms`],
  ["decimals of a percent", String(L.percentDecimals)],
];

describe("docs/routing.md", () => {
  it("states every route-table limit as the code applies it", () => {
    assert.equal(ROWS.length, Object.keys(L).length, "every limit has a row");
    for (const [label, value] of ROWS) assert.equal(limit(label), value, label);
  });

  it("shows only SetRoutes requests the control plane accepts", () => {
    const examples = [...DOC.matchAll(/^```json\n([\s\S]*?)^```/gm)].map((m) => JSON.parse(m[1] ?? ""));
    assert.ok(examples.length >= 4, "the recipes are there");
    for (const example of examples) {
      const checked = checkRouteTable(example.service, RouteTable.fromJSON(example.routes));
      assert.ok(checked.ok, checked.ok ? "" : `${checked.error.field}: ${checked.error.message}`);
    }
  });
});
