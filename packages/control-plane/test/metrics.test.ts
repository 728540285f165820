import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { call, registerRequest, startPlane } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";
import { pollUntil } from "./support/store-fixtures.js";

describe("metrics", () => {
  it("serves switchboard_ series on /metrics on their own port", async () => {
    const cp = await startPlane({ metricsListenAddress: "127.0.0.1:0" });
    try {
      assert.ok(cp.metricsPort);
      await call(cp.registration.register.bind(cp.registration), registerRequest({ service: "metered" }));
      const w = new WatchClient(cp.discovery);
      w.hello("m");
      w.subscribe("metered");
      await w.next();
      const text = await (await fetch(`http://127.0.0.1:${cp.metricsPort}/metrics`)).text();
      for (const series of [
        "switchboard_subscribers 1",
        "switchboard_subscriptions 1",
        'switchboard_pushes_total{type="snapshot"} 1',
        'switchboard_endpoints{service="metered"} 1',
        'switchboard_rpc_requests_total{method="Registration/Register",code="OK"} 1',
        "switchboard_rpc_duration_seconds_bucket",
        "switchboard_push_latency_seconds_bucket",
        "switchboard_lease_expiries_total 0",
        "switchboard_store_available 1",
        "# TYPE switchboard_store_errors_total counter",
        "# TYPE switchboard_nacks_total counter",
        "switchboard_process_cpu_seconds_total",
        "switchboard_process_resident_memory_bytes",
        "switchboard_nodejs_eventloop_lag_p99_seconds",
      ]) {
        assert.ok(text.includes(series), `missing ${series}`);
      }
      assert.equal((await fetch(`http://127.0.0.1:${cp.metricsPort}/other`)).status, 404);
      w.close();
    } finally {
      await cp.close();
    }
  });

  it("labels nacks only with services the store knows, and every other name as one series", async () => {
    const cp = await startPlane({ metricsListenAddress: "127.0.0.1:0" });
    try {
      await call(cp.registration.register.bind(cp.registration), registerRequest({ service: "metered" }));
      const w = new WatchClient(cp.discovery);
      w.hello("m");
      for (const service of ["metered", "made-up-1", "made-up-2"]) {
        w.subscribe(service);
        w.nack(await w.next(), "rejected");
      }
      const metric = async (line: string) => {
        const text = await (await fetch(`http://127.0.0.1:${cp.metricsPort}/metrics`)).text();
        return text.includes(line);
      };
      await pollUntil(() => metric('switchboard_nacks_total{service="other"} 2'), 5000, "nacks counted");
      assert.ok(await metric('switchboard_nacks_total{service="metered"} 1'));
      assert.ok(!(await metric('service="made-up-1"')), "a client-chosen name became a label");
      w.close();
    } finally {
      await cp.close();
    }
  });
});
