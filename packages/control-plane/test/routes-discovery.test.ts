/**
 * Route tables on the Discovery stream, seen from raw Watch streams: in snapshots, as
 * route_update in deltas, on resume, and as acked_route_version in Admin.ListSubscribers.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SubscriptionStatus } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { deltaOf, snapshotOf, WatchClient } from "./helpers/watch.js";
import { canaryRoutes, splitRoutes } from "./support/route-fixtures.js";

describe("route tables on the Discovery stream", () => {
  let cp: Running;
  const watches: WatchClient[] = [];
  const watch = () => {
    const w = new WatchClient(cp.discovery);
    watches.push(w);
    return w;
  };
  const register = (service: string, port: number) =>
    call(cp.registration.register.bind(cp.registration), registerRequest({ service, port }));
  const setRoutes = (service: string, routes = canaryRoutes()) =>
    call(cp.admin.setRoutes.bind(cp.admin), { service, routes, validateOnly: false });
  const deleteRoutes = (service: string) => call(cp.admin.deleteRoutes.bind(cp.admin), { service });

  /** The subscription of `clientId` to `service` once it satisfies `done` (the table is published
   * a little after each ack). */
  async function subscription(
    clientId: string,
    service: string,
    done: (s: SubscriptionStatus) => boolean,
  ): Promise<SubscriptionStatus> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const list = await call(cp.admin.listSubscribers.bind(cp.admin), { service });
      const sub = list.subscribers.find((s) => s.clientId === clientId)?.subscriptions[0];
      if (sub && done(sub)) return sub;
      assert.ok(Date.now() < deadline, `ListSubscribers never showed it: ${JSON.stringify(sub)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  before(async () => {
    cp = await startPlane();
  });
  after(async () => {
    for (const w of watches) w.close();
    await cp.close();
  });

  it("sends the route table in the snapshot, stamped with the version it was stored at", async () => {
    await register("svc-snap", 1); // v1
    const { version } = await setRoutes("svc-snap"); // v2
    assert.equal(version, 2);
    const w = watch();
    w.hello("snapper");
    w.subscribe("svc-snap");
    const s = snapshotOf(await w.next());
    assert.equal(s.version, 2);
    assert.deepEqual(s.routes, { ...canaryRoutes(), routeVersion: 2 });
  });

  it("sends route_update only in deltas that changed the table; an absent table means deleted", async () => {
    const w = watch();
    w.hello("delta-reader");
    w.subscribe("svc-delta");
    const first = await w.until(() => true);
    assert.equal(snapshotOf(first).routes, undefined);
    const { version } = await setRoutes("svc-delta", splitRoutes(20));
    const set = deltaOf(await w.until(() => true));
    assert.deepEqual(set.routeUpdate, { routes: { ...splitRoutes(20), routeVersion: version } });
    await register("svc-delta", 2);
    const unrelated = deltaOf(await w.until(() => true));
    assert.equal(unrelated.routeUpdate, undefined, "an endpoint change carries no route_update");
    assert.equal(unrelated.upserted.length, 1);
    const deleted = await deleteRoutes("svc-delta");
    assert.equal(deleted.found, true);
    const gone = deltaOf(await w.until(() => true));
    assert.deepEqual(gone.routeUpdate, { routes: undefined });
    assert.equal(gone.version, deleted.version);
  });

  it("gives a client that resumes from before a route change that change in its delta", async () => {
    await register("svc-resume", 1);
    const w = watch();
    w.hello("before");
    w.subscribe("svc-resume");
    const s = await w.until(() => true);
    const epoch = s.epoch;
    const known = snapshotOf(s).version;
    w.close();
    await setRoutes("svc-resume", splitRoutes(50));
    const { version } = await setRoutes("svc-resume", splitRoutes(5)); // only the latest is sent
    await register("svc-resume", 2);
    const again = watch();
    again.hello("before", { epoch, knownVersions: { "svc-resume": known } });
    const d = deltaOf(await again.next());
    assert.equal(d.fromVersion, known);
    assert.deepEqual(d.routeUpdate, { routes: { ...splitRoutes(5), routeVersion: version } });
    assert.deepEqual(
      d.upserted.map((e) => e.id),
      ["10.0.0.1:2"],
    );
  });

  it("shows which route version each subscriber acked, and keeps it when a route change is rejected", async () => {
    const first = await setRoutes("svc-ack", splitRoutes(10));
    const w = watch();
    w.hello("acker");
    w.subscribe("svc-ack");
    await w.until(() => true); // acks the snapshot
    const acked = await subscription("acker", "svc-ack", (s) => s.ackedVersion === first.version);
    assert.equal(acked.ackedRouteVersion, first.version);
    // A later endpoint change moves the acked version but not the route version.
    const reg = await register("svc-ack", 7);
    await w.until(() => true);
    const afterEndpoint = await subscription("acker", "svc-ack", (s) => s.ackedVersion === reg.version);
    assert.equal(afterEndpoint.ackedRouteVersion, first.version);
    // The client refuses the next table: the acked route version stays where it was.
    const second = await setRoutes("svc-ack", splitRoutes(30));
    const rejected = await w.next();
    w.nack(rejected, "routes.rules[0]: not understood");
    const nacked = await subscription("acker", "svc-ack", (s) => s.nackCount === 1);
    assert.equal(nacked.lastNackVersion, second.version);
    assert.equal(nacked.ackedRouteVersion, first.version);
    // Deleting the table, once acked, shows route version 0.
    const deleted = await deleteRoutes("svc-ack");
    await w.until(() => true);
    const none = await subscription("acker", "svc-ack", (s) => s.ackedVersion === deleted.version);
    assert.equal(none.ackedRouteVersion, 0);
  });
});
