import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { statusName } from "@switchboard/core";
import { Counter, Histogram, Registry } from "prom-client";
import { MethodRecord } from "../src/client/method-record.js";
import { ClientMetrics } from "../src/metrics/client-metrics.js";
import { LATENCY_BUCKETS_S } from "../src/metrics/method-counters.js";
import { CallStats } from "../src/stats/call-stats.js";

const CALLS: { service: string; method: string; code: number; latencyMs: number; retries: number }[] = [
  { service: "echo", method: "echo.v1.EchoService/Echo", code: status.OK, latencyMs: 0.3, retries: 0 },
  { service: "echo", method: "echo.v1.EchoService/Echo", code: status.OK, latencyMs: 1, retries: 2 },
  {
    service: "echo",
    method: "echo.v1.EchoService/Echo",
    code: status.UNAVAILABLE,
    latencyMs: 12,
    retries: 1,
  },
  { service: "echo", method: "echo.v1.EchoService/Other", code: status.OK, latencyMs: 25_000, retries: 0 },
  {
    service: "users",
    method: "users.v1.Users/Get",
    code: status.DEADLINE_EXCEEDED,
    latencyMs: 250,
    retries: 0,
  },
  { service: "users", method: "users.v1.Users/Get", code: 42, latencyMs: 5, retries: 0 },
];

const PER_CALL = [
  "switchboard_client_requests_total",
  "switchboard_client_request_duration_seconds",
  "switchboard_client_retries_total",
  "switchboard_client_rejected_total",
];

/** The same calls, recorded the way the client did it before: prom-client children per call. */
function promClientReference(): Registry {
  const r = new Registry();
  const requests = new Counter({
    name: PER_CALL[0] as string,
    help: "Calls made through the mesh, by final gRPC status code (after retries).",
    labelNames: ["service", "method", "code"],
    registers: [r],
  });
  const latency = new Histogram({
    name: PER_CALL[1] as string,
    help: "Call latency as the caller saw it, retries and backoff included.",
    labelNames: ["service", "method"],
    buckets: [...LATENCY_BUCKETS_S],
    registers: [r],
  });
  const retries = new Counter({
    name: PER_CALL[2] as string,
    help: "Retry attempts sent.",
    labelNames: ["service", "method"],
    registers: [r],
  });
  const rejected = new Counter({
    name: PER_CALL[3] as string,
    help: "Calls failed locally without a network call: reason=rate_limited or circuit_open.",
    labelNames: ["service", "method", "reason"],
    registers: [r],
  });
  for (const c of CALLS) {
    requests.labels(c.service, c.method, statusName(c.code)).inc();
    latency.labels(c.service, c.method).observe(c.latencyMs / 1000);
    if (c.retries > 0) retries.labels(c.service, c.method).inc(c.retries);
  }
  rejected.labels("echo", "echo.v1.EchoService/Echo", "rate_limited").inc(3);
  rejected.labels("users", "users.v1.Users/Get", "circuit_open").inc();
  return r;
}

async function series(r: Registry, name: string): Promise<string> {
  return r.getSingleMetricAsString(name);
}

describe("per-call series", () => {
  it("export exactly what prom-client's own counters and histogram exported for the same calls", async () => {
    const registry = new Registry();
    const metrics = new ClientMetrics(registry);
    const records = new Map<string, MethodRecord>();
    const record = (service: string, method: string) => {
      const key = `${service} ${method}`;
      let r = records.get(key);
      if (!r) {
        r = new MethodRecord(service, method, new CallStats(), metrics);
        records.set(key, r);
      }
      return r;
    };
    for (const c of CALLS) record(c.service, c.method).record(c.code, c.latencyMs, c.retries);
    for (let i = 0; i < 3; i++) record("echo", "echo.v1.EchoService/Echo").rejected("rate_limited");
    record("users", "users.v1.Users/Get").rejected("circuit_open");

    const reference = promClientReference();
    for (const name of PER_CALL) {
      assert.equal(await series(registry, name), await series(reference, name), name);
    }
    const asJson = async (r: Registry) =>
      (await r.getMetricsAsJSON()).filter((m) => PER_CALL.includes(m.name)).map((m) => [m.name, m.type]);
    assert.deepEqual(await asJson(registry), await asJson(reference));
  });

  it("are shared, with the counts behind them, by mesh clients on one registry", async () => {
    const registry = new Registry();
    const a = new MethodRecord("echo", "e.E/M", new CallStats(), new ClientMetrics(registry));
    const b = new MethodRecord("echo", "e.E/M", new CallStats(), new ClientMetrics(registry));
    a.record(status.OK, 1, 0);
    b.record(status.OK, 1, 0);
    const text = await registry.getSingleMetricAsString("switchboard_client_requests_total");
    assert.match(text, /switchboard_client_requests_total\{service="echo",method="e.E\/M",code="OK"\} 2\n?$/);
  });

  it("start from zero on a new registry", async () => {
    new MethodRecord("echo", "e.E/M", new CallStats(), new ClientMetrics(new Registry())).record(0, 1, 0);
    const fresh = new Registry();
    new ClientMetrics(fresh);
    const text = await fresh.getSingleMetricAsString("switchboard_client_requests_total");
    assert.doesNotMatch(text, /code=/);
  });
});
