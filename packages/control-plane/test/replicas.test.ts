import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { DiscoveryClient } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { RegistrationClient } from "@switchboard/core/gen/switchboard/v1/registration.js";
import {
  type ControlPlaneProcess,
  launchControlPlane,
  launchRedis,
  type RedisServerHandle,
} from "../src/testing/index.js";
import { call, registerRequest } from "./helpers/control-plane.js";
import { deltaOf, snapshotOf, WatchClient } from "./helpers/watch.js";
import { splitRoutes } from "./support/route-fixtures.js";

describe("two control-plane processes on one Redis", () => {
  let redis: RedisServerHandle;
  let a: ControlPlaneProcess;
  let b: ControlPlaneProcess;
  let regA: RegistrationClient;
  let adminA: AdminClient;
  let discoveryB: DiscoveryClient;

  before(async () => {
    redis = await launchRedis();
    const store = { redisUrl: redis.url, redisKeyPrefix: redis.keyPrefix };
    a = await launchControlPlane({ replicaId: "replica-a", ...store });
    b = await launchControlPlane({ replicaId: "replica-b", ...store });
    regA = new RegistrationClient(a.address, credentials.createInsecure());
    adminA = new AdminClient(a.address, credentials.createInsecure());
    discoveryB = new DiscoveryClient(b.address, credentials.createInsecure());
  });
  after(async () => {
    regA?.close();
    adminA?.close();
    discoveryB?.close();
    const codes = (await Promise.all([a?.stop(), b?.stop()])).map((exit) => exit?.code);
    await redis?.stop();
    assert.deepEqual(codes, [0, 0], "both replicas exit 0 on SIGTERM");
  });

  it("brings a registration made through replica A to a Watch subscriber on replica B", async () => {
    const w = new WatchClient(discoveryB);
    w.hello("on-b");
    w.subscribe("cross");
    const snap = snapshotOf(await w.until(() => true));
    assert.equal(snap.endpoints.length, 0);
    // Replica A learns of B's subscriber from the table B publishes (throttled, every 250 ms).
    const seenBy = Date.now() + 10_000;
    while ((await call(adminA.listSubscribers.bind(adminA), { service: "cross" })).subscribers.length === 0) {
      assert.ok(Date.now() < seenBy, "A never saw B's subscriber");
      await new Promise((r) => setTimeout(r, 50));
    }
    const reg = await call(regA.register.bind(regA), registerRequest({ service: "cross", port: 4242 }));
    const waiting = call(regA.awaitPropagation.bind(regA), {
      service: "cross",
      version: reg.version,
      timeoutMs: 10_000,
    });
    const d = deltaOf(await w.until((r) => r.kind?.$case === "delta", 10_000));
    assert.equal(d.version, reg.version);
    assert.deepEqual(
      d.upserted.map((e) => e.id),
      ["10.0.0.1:4242"],
    );
    assert.equal(w.received, 2);

    const done = await waiting;
    assert.deepEqual(done, { complete: true, subscribers: 1, acknowledged: 1 }, "A sees B's subscriber ack");
    const subs = await call(adminA.listSubscribers.bind(adminA), { service: "cross" });
    assert.equal(subs.subscribers[0]?.replicaId, "replica-b");
    assert.equal(subs.subscribers[0]?.subscriptions[0]?.ackedVersion, reg.version);

    await call(adminA.setPolicy.bind(adminA), {
      service: "cross",
      policy: { timeoutMs: 321, methods: {} },
      validateOnly: false,
    });
    const p = deltaOf(await w.until((r) => r.kind?.$case === "delta", 10_000));
    assert.equal(p.policyUpdate?.policy?.timeoutMs, 321);
    w.close();
  });

  it("brings a route table set through replica A to a Watch subscriber on replica B, and its ack back", async () => {
    const w = new WatchClient(discoveryB);
    w.hello("routes-on-b");
    w.subscribe("cross-routes");
    assert.equal(snapshotOf(await w.until(() => true)).routes, undefined);
    const set = await call(adminA.setRoutes.bind(adminA), {
      service: "cross-routes",
      routes: splitRoutes(20),
      validateOnly: false,
    });
    const d = deltaOf(await w.until((r) => r.kind?.$case === "delta", 10_000));
    assert.deepEqual(d.routeUpdate, { routes: { ...splitRoutes(20), routeVersion: set.version } });
    // A learns of B's subscriber and its ack from the table B publishes (throttled).
    const seenBy = Date.now() + 10_000;
    for (;;) {
      const subs = await call(adminA.listSubscribers.bind(adminA), { service: "cross-routes" });
      const sub = subs.subscribers[0]?.subscriptions[0];
      if (sub !== undefined && sub.ackedVersion >= set.version) {
        assert.equal(sub.ackedRouteVersion, set.version);
        break;
      }
      assert.ok(Date.now() < seenBy, "A never saw B's subscriber ack the route change");
      await new Promise((r) => setTimeout(r, 50));
    }
    const deleted = await call(adminA.deleteRoutes.bind(adminA), { service: "cross-routes" });
    const gone = deltaOf(await w.until((r) => r.kind?.$case === "delta", 10_000));
    assert.equal(gone.version, deleted.version);
    assert.deepEqual(gone.routeUpdate, { routes: undefined });
    w.close();
  });
});
