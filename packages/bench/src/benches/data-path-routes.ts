/**
 * The data-path route case: the mesh client of (c), on a service whose route table has three
 * rules (a header rule, a method rule, then a 90/10 split), every destination a subset that
 * covers the same three instances. Calls carry no header and call another method, so each one
 * tries all three rules: the per-call cost of routing, beside (c) without a table.
 */
import type { DeepPartial, RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { num, withSpread } from "../lib/format.js";
import type { OpenResult } from "../lib/load.js";
import type { Spread } from "../lib/stats.js";
import type { EchoClientProcess } from "./echo-cluster.js";
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

/** Alternating slices per round: enough for both sides to see the same machine load. */
const SLICES = 8;

/**
 * One round of the paired comparison: (c) and (c1) take turns at the same open-loop rate in
 * short slices (ABBA order), so a change in the machine's load hits both alike; the ratio of
 * their CPU per call over all slices. A 5 % difference is far below what separate runs on a
 * shared machine can resolve.
 */
export async function pairedCpuRatio(
  plain: EchoClientProcess,
  routed: EchoClientProcess,
  o: { readonly rate: number; readonly sliceMs: number },
): Promise<number> {
  const sum = new Map([
    [plain, { cpuUs: 0, calls: 0 }],
    [routed, { cpuUs: 0, calls: 0 }],
  ]);
  for (let i = 0; i < SLICES; i++) {
    const order = i % 4 === 0 || i % 4 === 3 ? [plain, routed] : [routed, plain];
    for (const client of order) {
      const r = await client.call<OpenResult>("open", { warmupMs: 0, durationMs: o.sliceMs, rate: o.rate });
      const s = sum.get(client) as { cpuUs: number; calls: number };
      s.cpuUs += r.cpuUs;
      s.calls += r.calls;
    }
  }
  const perCall = (c: EchoClientProcess) => {
    const s = sum.get(c) as { cpuUs: number; calls: number };
    return s.calls > 0 ? s.cpuUs / s.calls : Number.NaN;
  };
  return perCall(routed) / perCall(plain);
}

/** The line printed under the table, and the target it checks. */
export function routeCaseReport(ratio: Spread): { readonly line: string; readonly target: TargetCheck } {
  return {
    line: `(c1) CPU per call with the three-rule route table × (c) without routes (paired, ${SLICES} alternating slices per round): ${withSpread(ratio, 3)}`,
    target: {
      name: "(c1) CPU per call vs (c)",
      target: `≤ ${CPU_LIMIT}×`,
      value: `${num(ratio.median, 3)}×`,
      met: ratio.median <= CPU_LIMIT,
    },
  };
}
