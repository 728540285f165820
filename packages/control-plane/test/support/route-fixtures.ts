/** Route tables the control-plane tests share. */
import { Fallback, RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";

/** A canary table for user-service: QA's header to v2, a sticky 90/10 split, a fault, overrides. */
export function canaryRoutes(overrides: Partial<RouteTable> = {}): RouteTable {
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
        match: { method: "demo.user.v1.UserService", runtimePercent: 12.5 },
        hashHeader: "x-user",
        destinations: [
          { weight: 90, target: { $case: "subset", subset: "v1" } },
          { weight: 10, target: { $case: "subset", subset: "v2" } },
        ],
        timeoutMs: 500,
        retry: { maxAttempts: 2, retryableCodes: ["UNAVAILABLE"] },
        fault: { delay: { delayMs: 50, percent: 0.5 }, abort: { code: "UNAVAILABLE", percent: 10 } },
        fallback: Fallback.FALLBACK_DEFAULT_ROUTE,
      },
      {
        name: "audit",
        match: { method: "demo.user.v1.UserService/Audit" },
        destinations: [{ weight: 100, target: { $case: "service", service: "audit-service" } }],
      },
    ],
    propagateHeaders: ["x-canary"],
    ...overrides,
  });
}

/** A whole-table split between two subsets: `v2Weight` % of every call to v2. */
export function splitRoutes(v2Weight: number): RouteTable {
  return RouteTable.fromPartial({
    subsets: [
      { name: "v1", selector: { version: "v1" } },
      { name: "v2", selector: { version: "v2" } },
    ],
    rules: [
      {
        name: "split",
        destinations: [
          { weight: 100 - v2Weight, target: { $case: "subset", subset: "v1" } },
          { weight: v2Weight, target: { $case: "subset", subset: "v2" } },
        ],
      },
    ],
  });
}
