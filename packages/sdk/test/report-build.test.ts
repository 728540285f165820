import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLIENT_REPORT_LIMITS } from "@switchboard/core";
import { ReportedBreakerState, ReportedConnectivity } from "@switchboard/core/gen/switchboard/v1/types.js";
import type { EndpointStats, MethodStats, ServiceStats } from "../src/client/stats.js";
import { buildClientReport } from "../src/report/build-report.js";
import type { CallStatsSnapshot } from "../src/stats/call-stats.js";
import { LatencyHistogram } from "../src/stats/latency-histogram.js";

function attempts(requests: number, successes: number): CallStatsSnapshot {
  const errorsByCode: Record<string, number> =
    requests > successes ? { UNAVAILABLE: requests - successes } : {};
  return {
    requests,
    successes,
    errorsByCode,
    successRate: requests === 0 ? 1 : successes / requests,
    latencyMs: { p50: 1, p95: 2, p99: 3 },
    retries: 0,
  };
}

function endpoint(id: string, over: Partial<EndpointStats> = {}): EndpointStats {
  return {
    id,
    zone: "",
    weight: 1,
    health: "SERVING",
    ejected: false,
    connectivity: "READY",
    pickable: true,
    inFlight: 0,
    latencyEwmaMs: 0,
    attempts: attempts(0, 0),
    ...over,
  };
}

function method(requests: number, errorsByCode: Record<string, number>, over: Partial<MethodStats> = {}) {
  const errors = Object.values(errorsByCode).reduce((a, b) => a + b, 0);
  return {
    requests,
    successes: requests - errors,
    errorsByCode,
    successRate: 1,
    latencyMs: { p50: 4, p95: 8, p99: 9 },
    retries: 0,
    breakerState: "closed",
    rateLimited: 0,
    ...over,
  } satisfies MethodStats;
}

function service(over: Partial<ServiceStats> = {}): ServiceStats {
  return {
    version: 7,
    stale: false,
    loadBalancing: "round_robin",
    breakers: {},
    retryBudgetAvailable: 10,
    endpoints: [],
    methods: {},
    routeVersion: 0,
    routes: {},
    ...over,
  };
}

const base = { service: "echo", routeVersion: 0, intervalMs: 5000, previous: undefined };

describe("the client report builder", () => {
  it("reports each endpoint's ejection and connectivity, and the breakers, from stats()", () => {
    const stats = service({
      breakers: { "*": "open" },
      endpoints: [
        endpoint("10.0.0.1:1", { ejected: true, connectivity: "TRANSIENT_FAILURE" }),
        endpoint("10.0.0.2:1"),
      ],
      methods: { "echo.v1.Echo/Echo": method(10, { UNAVAILABLE: 4 }, { breakerState: "half_open" }) },
    });
    const { report } = buildClientReport({ ...base, stats, nowMs: 1000 });
    assert.equal(report.policyVersion, 7);
    assert.equal(report.serviceBreaker, ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN);
    assert.deepEqual(
      report.endpoints.map((e) => [e.id, e.ejected, e.connectivity]),
      [
        ["10.0.0.1:1", true, ReportedConnectivity.REPORTED_CONNECTIVITY_TRANSIENT_FAILURE],
        ["10.0.0.2:1", false, ReportedConnectivity.REPORTED_CONNECTIVITY_READY],
      ],
    );
    assert.equal(report.methods[0]?.breaker, ReportedBreakerState.REPORTED_BREAKER_STATE_HALF_OPEN);
    assert.deepEqual(report.methods[0]?.errors, [{ code: 14, count: 4 }]);
  });

  it("counts calls, errors, retries and rate-limited calls since the previous report only", () => {
    const first = buildClientReport({
      ...base,
      nowMs: 1000,
      stats: service({
        endpoints: [endpoint("a:1", { attempts: attempts(10, 8) })],
        methods: { "p.S/M": method(10, { UNAVAILABLE: 2 }, { retries: 1, rateLimited: 3 }) },
      }),
    });
    const { report } = buildClientReport({
      ...base,
      nowMs: 6000,
      previous: first.baseline,
      stats: service({
        endpoints: [endpoint("a:1", { attempts: attempts(25, 13) })],
        methods: {
          "p.S/M": method(25, { UNAVAILABLE: 2, INTERNAL: 10 }, { retries: 4, rateLimited: 3 }),
        },
      }),
    });
    assert.equal(report.windowMs, 5000);
    assert.deepEqual(
      report.endpoints.map((e) => [e.calls, e.errors]),
      [[15, 10]],
    );
    const m = report.methods[0];
    assert.equal(m?.calls, 15);
    assert.deepEqual(m?.errors, [{ code: 13, count: 10 }]);
    assert.equal(m?.retries, 3);
    assert.equal(m?.rateLimited, 0);
  });

  it("stays within its bounds, listing ejected endpoints and the busiest methods first", () => {
    const endpoints = Array.from({ length: 300 }, (_, i) =>
      endpoint(`10.0.${Math.floor(i / 250)}.${i % 250}:80`, { ejected: i === 299 }),
    );
    const methods: Record<string, MethodStats> = {};
    for (let i = 0; i < 70; i++) methods[`p.S/M${i}`] = method(i, {});
    const codes: Record<string, number> = {};
    for (let code = 1; code <= 16; code++) codes[String(code === 16 ? "UNAUTHENTICATED" : code)] = code;
    codes["99"] = 1;
    codes["123"] = 2;
    methods["p.S/Busy"] = method(1000, codes);
    const { report } = buildClientReport({ ...base, nowMs: 1, stats: service({ endpoints, methods }) });
    const limits = CLIENT_REPORT_LIMITS;
    assert.equal(report.endpoints.length, limits.maxEndpoints);
    assert.equal(report.endpointsOmitted, 300 - limits.maxEndpoints);
    assert.equal(report.endpoints[0]?.ejected, true, "the ejected endpoint is never the one left out");
    assert.equal(report.methods.length, limits.maxMethods);
    assert.equal(report.methodsOmitted, 71 - limits.maxMethods);
    assert.equal(report.methods[0]?.method, "p.S/Busy");
    assert.equal(report.methods[0]?.errors.length, limits.maxCodes, "18 codes, capped");
    assert.equal(report.methods.at(-1)?.method, `p.S/M${70 - limits.maxMethods + 1}`);
  });
});

describe("report latency", () => {
  it("gives the P50 and P99 of the calls since the previous report, not since the start", () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) histogram.record(100); // a slow start
    const stats = service({ methods: { "echo.v1.Echo/Echo": method(1000, {}) } });
    const first = buildClientReport({ ...base, stats, nowMs: 1000, latency: () => histogram });
    assert.ok(Math.abs((first.report.methods[0]?.latencyP99Ms ?? 0) - 100) < 1);
    for (let i = 0; i < 10; i++) histogram.record(2); // then fast
    const next = buildClientReport({
      ...base,
      stats,
      nowMs: 6000,
      previous: first.baseline,
      latency: () => histogram,
    });
    assert.ok(Math.abs((next.report.methods[0]?.latencyP99Ms ?? 0) - 2) < 0.05, "the window's P99");
    assert.ok(Math.abs((next.report.methods[0]?.latencyP50Ms ?? 0) - 2) < 0.05, "the window's P50");
  });
});
