import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HealthCheckResponse_ServingStatus as Serving } from "@switchboard/core/gen/grpc/health/v1/health.js";
import {
  type KeepAliveResponse,
  KeepAliveResponse_LeaseState as LeaseState,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { launchRedis, type RedisServerHandle } from "../src/testing/index.js";
import { call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { snapshotOf, WatchClient } from "./helpers/watch.js";

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the control plane on a Redis that is wiped or restarted", () => {
  let redis: RedisServerHandle;
  let cp: Running;

  before(async () => {
    redis = await launchRedis();
    cp = await startPlane({
      redisUrl: redis.url,
      redisKeyPrefix: redis.keyPrefix,
      epochCheckIntervalMs: 100,
    });
  });
  after(async () => {
    await cp?.close();
    await redis?.stop();
  });

  it("sends fresh snapshots in the new epoch after the store is wiped, and leases are NOT_FOUND", async () => {
    const reg = await call(
      cp.registration.register.bind(cp.registration),
      registerRequest({ service: "wiped", port: 1 }),
    );
    const w = new WatchClient(cp.discovery);
    w.hello("survivor");
    w.subscribe("wiped");
    const first = await w.until(() => true);
    assert.equal(snapshotOf(first).endpoints.length, 1);
    await redis.flushAll();
    const fresh = await w.until((r) => r.epoch !== first.epoch, 15_000);
    const snap = snapshotOf(fresh);
    assert.equal(snap.endpoints.length, 0);
    assert.equal(snap.version, 0);
    const ka = cp.registration.keepAlive();
    const answer = new Promise<KeepAliveResponse>((resolve) => ka.once("data", resolve));
    ka.write({ leaseId: reg.leaseId, health: 0 });
    assert.equal((await answer).state, LeaseState.LEASE_STATE_NOT_FOUND);
    ka.end();
    w.close();
  });

  it("reports NOT_SERVING while Redis is down and SERVING again once it is back", {
    skip: process.env.REDIS_URL ? "needs a redis-server the test can stop" : false,
  }, async () => {
    const check = () =>
      call(cp.health.check.bind(cp.health), { service: "" }).then(
        (r) => r.status,
        () => Serving.NOT_SERVING,
      );
    await redis.stop();
    await eventually(async () => (await check()) === Serving.NOT_SERVING, "NOT_SERVING");
    await redis.restart();
    await eventually(async () => (await check()) === Serving.SERVING, "SERVING again");
    assert.equal(cp.plane.reaper.paused, true, "lease expiry pauses after an outage");
    const r = await call(
      cp.registration.register.bind(cp.registration),
      registerRequest({ service: "after", port: 2 }),
    );
    assert.equal(r.version, 1);
  });
});
