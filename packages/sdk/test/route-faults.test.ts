import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { monotonicClock } from "@switchboard/core";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import pino from "pino";
import { Registry } from "prom-client";
import { ServiceRuntime } from "../src/client/service-runtime.js";
import { admitCall } from "../src/grpc/admission.js";
import { RejectFilterFactory } from "../src/grpc/outcome-filter.js";
import { ClientMetrics } from "../src/metrics/client-metrics.js";
import { DelayFilterFactory } from "../src/route/fault-delay.js";
import { CallStatsTable } from "../src/stats/call-stats-table.js";
import { CHI2_1DF_P001, chiSquare, seeded, toSubset } from "./route-helpers.js";

function runtimeWith(table: RouteTable): ServiceRuntime {
  const runtime = new ServiceRuntime("users", {
    clock: monotonicClock,
    random: seeded(3),
    metrics: new ClientMetrics(new Registry()),
    logger: pino({ level: "silent" }),
    stats: new CallStatsTable(),
    localZone: "",
  });
  const snapshot = {
    service: "users",
    version: 1,
    endpoints: [],
    policy: undefined,
    emptiedByAdmin: false,
    routes: table,
  };
  runtime.applied(runtime.view.applySnapshot(snapshot, "e1"));
  return runtime;
}

const FAULTY = RouteTable.fromPartial({
  subsets: [{ name: "all", selector: { app: "users" } }],
  rules: [
    {
      name: "chaos",
      timeoutMs: 250,
      destinations: [toSubset(100, "all")],
      fault: { abort: { code: "UNAVAILABLE", percent: 10 }, delay: { delayMs: 40, percent: 10 } },
    },
  ],
});

describe("fault injection", () => {
  it("aborts 10 % of calls and delays 10 % of those that go on (10,000 calls, within p>0.001)", () => {
    const runtime = runtimeWith(FAULTY);
    const n = 10_000;
    let aborted = 0;
    let delayed = 0;
    for (let i = 0; i < n; i++) {
      const config = admitCall(runtime, "/users.v1.Users/Get", new Metadata(), "mesh:///users");
      if (config.dynamicFilterFactories.some((f) => f instanceof RejectFilterFactory)) {
        aborted++;
        continue;
      }
      if (config.dynamicFilterFactories.some((f) => f instanceof DelayFilterFactory)) delayed++;
    }
    assert.ok(chiSquare([aborted, n - aborted], [0.1, 0.9]) < CHI2_1DF_P001, `${aborted} aborted of ${n}`);
    const sent = n - aborted;
    assert.ok(
      chiSquare([delayed, sent - delayed], [0.1, 0.9]) < CHI2_1DF_P001,
      `${delayed} delayed of ${sent}`,
    );
  });

  it("gives matched calls the rule's timeout in place of the policy's", () => {
    const runtime = runtimeWith(FAULTY);
    for (let i = 0; i < 50; i++) {
      const config = admitCall(runtime, "/users.v1.Users/Get", new Metadata(), "mesh:///users");
      if (config.methodConfig.timeout) {
        assert.deepEqual(config.methodConfig.timeout, { seconds: 0, nanos: 250_000_000 });
        return;
      }
    }
    assert.fail("no call went on");
  });
});
