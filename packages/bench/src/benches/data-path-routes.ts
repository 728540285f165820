/**
 * The data-path route case: the mesh client of (c), on a service whose route table has three
 * rules (a header rule, a method rule, then a 90/10 split), every destination a subset that
 * covers the same three instances. Calls carry no header and call another method, so each one
 * tries all three rules: the per-call cost of routing, beside (c) without a table.
 */
import type { DeepPartial, RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { num, withSpread } from "../lib/format.js";
import { type Spread, spread } from "../lib/stats.js";
import type { TargetCheck } from "./types.js";

/** Its service: the same echo instances as (c), registered with `pool=echo`. */
export const ROUTED_SERVICE = "echo-routed";
export const ROUTED_METADATA = { pool: "echo" } as const;

const subset = (weight: number, name: string) => ({
  weight,
  target: { $case: "subset" as const, subset: name },
});

export const ROUTE_TABLE: DeepPartial<RouteTable> = {
  subsets: [
    { name: "stable", selector: ROUTED_METADATA },
    { name: "canary", selector: ROUTED_METADATA },
  ],
  rules: [
    {
      name: "qa",
      match: { headers: [{ name: "x-canary", invert: false, kind: { $case: "exact", exact: "1" } }] },
      destinations: [subset(100, "canary")],
    },
    {
      name: "reports",
      match: { method: "echo.v1.EchoService/Report" },
      destinations: [subset(100, "canary")],
    },
    { name: "split", destinations: [subset(90, "stable"), subset(10, "canary")] },
  ],
};

/** The route case passes when its CPU per call is within this factor of (c)'s. */
const CPU_LIMIT = 1.05;

/** Per round: the route case's CPU per call over (c)'s, measured in the same round. */
export function routeCpuRatio(routed: readonly number[], plain: readonly number[]): Spread {
  return spread(routed.map((cpu, i) => cpu / (plain[i] ?? Number.NaN)));
}

/** The line printed under the table, and the target it checks. */
export function routeCaseReport(ratio: Spread): { readonly line: string; readonly target: TargetCheck } {
  return {
    line: `(c1) CPU per call with the three-rule route table × (c) without routes, per round: ${withSpread(ratio, 3)}`,
    target: {
      name: "(c1) CPU per call vs (c)",
      target: `≤ ${CPU_LIMIT}×`,
      value: `${num(ratio.median, 3)}×`,
      met: ratio.median <= CPU_LIMIT,
    },
  };
}
