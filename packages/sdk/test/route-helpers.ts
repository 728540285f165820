import type { ResolvedRouteTable } from "@switchboard/core";
import { validateRouteTable } from "@switchboard/core";
import { type DeepPartial, RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { Registry } from "prom-client";
import { ClientMetrics } from "../src/metrics/client-metrics.js";
import { RouteRecords } from "../src/route/route-record.js";
import { Router } from "../src/route/router.js";

/** A checked route table from its wire form; throws naming the bad field. */
export function table(partial: DeepPartial<RouteTable>): ResolvedRouteTable {
  const r = validateRouteTable(RouteTable.fromPartial(partial));
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.message}`);
  return r.value;
}

/** A router for `partial` on service "users", with its own metrics registry. */
export function router(partial: DeepPartial<RouteTable>, random: () => number = Math.random): Router {
  const records = new RouteRecords("users", new ClientMetrics(new Registry()));
  return new Router("users", table(partial), (rule, label) => records.forDestination(rule, label), random);
}

/** A seeded uniform generator in [0, 1) (mulberry32), so share tests are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chi-square statistic of observed counts against expected shares (summing to 1). */
export function chiSquare(observed: readonly number[], shares: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const e = n * (shares[i] as number);
    return sum + (o - e) ** 2 / e;
  }, 0);
}

/** Chi-square critical value for p = 0.001 with one degree of freedom. */
export const CHI2_1DF_P001 = 10.828;

/** A weighted destination on a subset, in wire form. */
export function toSubset(weight: number, subset: string) {
  return { weight, target: { $case: "subset" as const, subset } };
}

/** A weighted destination on another service, in wire form. */
export function toService(weight: number, service: string) {
  return { weight, target: { $case: "service" as const, service } };
}

type HeaderTestInput =
  | { exact: string }
  | { prefix: string }
  | { suffix: string }
  | { safeRegex: string }
  | { present: boolean };

/** A header matcher in wire form: `header("x-canary", { exact: "1" })`. */
export function header(name: string, test: HeaderTestInput, invert = false) {
  const [key, value] = Object.entries(test)[0] as [string, string | boolean];
  return { name, invert, kind: { $case: key, [key]: value } as never };
}
