/**
 * Rollout state in both stores: one active rollout per service, its overlay recorded as a
 * service change, the lease with its fencing token, and writes that are compare-and-sets.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { MemoryStore, RedisStore, type Store } from "../src/store/index.js";
import type { RolloutOverlay } from "../src/store/types.js";
import { type RedisServerHandle, startRedisServer, uniqueKeyPrefix } from "../src/testing/index.js";
import { canaryRoutes } from "./support/route-fixtures.js";
import { T0 } from "./support/store-fixtures.js";

const SERVICE = "user-service";
const candidate = Policy.fromJSON({ timeoutMs: 250 });

function overlay(stage: number, cohortBuckets: number): RolloutOverlay {
  return { rolloutId: "r1", stage, cohortBuckets, policy: candidate, routes: canaryRoutes() };
}

function describeRolloutStore(name: string, factory: () => Promise<Store>): void {
  describe(`rollout state: ${name}`, () => {
    const opened: Store[] = [];
    const open = async () => {
      const store = await factory();
      opened.push(store);
      await store.ready();
      return store;
    };
    after(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    it("records the first stage as a service change and refuses a second active rollout", async () => {
      const store = await open();
      await store.setPolicy(SERVICE, Policy.fromJSON({ timeoutMs: 900 }));
      const started = await store.startRollout({
        service: SERVICE,
        id: "r1",
        encoded: "{}",
        overlay: overlay(0, 10_000),
      });
      assert.equal(started.status, "started");
      if (started.status !== "started") return;
      assert.equal(started.version, 2);
      assert.equal(started.record.token, 1);
      assert.equal(started.record.active, true);
      const state = await store.getService(SERVICE);
      assert.equal(state.version, 2);
      assert.equal(state.policy?.timeoutMs, 900, "the baseline stays the service's policy");
      assert.equal(state.rollout?.cohortBuckets, 10_000);
      assert.equal(state.rollout?.policy?.timeoutMs, 250);
      assert.equal(state.rollout?.routes?.routeVersion, 2, "the candidate table is versioned with its stage");
      const [change] = (await store.changesSince(SERVICE, 1)) ?? [];
      assert.equal(change?.kind, "rollout_stage");
      assert.deepEqual(await store.listRollouts(), [SERVICE]);
      const again = await store.startRollout({
        service: SERVICE,
        id: "r2",
        encoded: "{}",
        overlay: overlay(0, 1),
      });
      assert.deepEqual(again, { status: "active", id: "r1" });
    });

    it("gives the lease to one replica at a time and raises the token when another takes it", async () => {
      const store = await open();
      await store.startRollout({ service: SERVICE, id: "r1", encoded: "{}", overlay: overlay(0, 10_000) });
      const a = await store.claimRollout(SERVICE, "replica-a", 5000, T0);
      assert.equal(a.status, "claimed");
      const token = a.status === "claimed" ? a.record.token : 0;
      assert.equal(token, 2);
      const renewed = await store.claimRollout(SERVICE, "replica-a", 5000, T0 + 3000);
      assert.equal(renewed.status === "claimed" && renewed.record.token, token, "a renewal keeps the token");
      const refused = await store.claimRollout(SERVICE, "replica-b", 5000, T0 + 7000);
      assert.equal(refused.status, "held");
      const taken = await store.claimRollout(SERVICE, "replica-b", 5000, T0 + 8001);
      assert.equal(taken.status, "claimed");
      if (taken.status !== "claimed") return;
      assert.equal(taken.record.driver, "replica-b");
      assert.equal(taken.record.token, token + 1);
      const stale = await store.writeRollout({
        service: SERVICE,
        id: "r1",
        token,
        revision: taken.record.revision,
        encoded: '{"by":"a"}',
        active: true,
        overlay: overlay(1, 500_000),
      });
      assert.deepEqual(stale, { status: "conflict" }, "the replica that lost the lease cannot write");
      assert.equal(
        (await store.getService(SERVICE)).rollout?.stage,
        0,
        "nothing of the refused write landed",
      );
    });

    it("moves the cohort, then completes through the service's own policy and routes", async () => {
      const store = await open();
      const started = await store.startRollout({
        service: SERVICE,
        id: "r1",
        encoded: "{}",
        overlay: overlay(0, 10_000),
      });
      assert.equal(started.status, "started");
      if (started.status !== "started") return;
      const base = { service: SERVICE, id: "r1", token: started.record.token };
      const moved = await store.writeRollout({
        ...base,
        revision: started.record.revision,
        encoded: '{"stage":1}',
        active: true,
        overlay: overlay(1, 1_000_000),
      });
      assert.equal(moved.status, "ok");
      if (moved.status !== "ok") return;
      assert.equal((await store.getService(SERVICE)).rollout?.stage, 1);
      const behind = await store.writeRollout({
        ...base,
        revision: started.record.revision,
        encoded: "{}",
        active: false,
      });
      assert.deepEqual(behind, { status: "conflict" }, "a write names the revision it read");
      const done = await store.writeRollout({
        ...base,
        revision: moved.record.revision,
        encoded: '{"done":true}',
        active: false,
        overlay: null,
        applyPolicy: candidate,
        applyRoutes: canaryRoutes(),
      });
      assert.equal(done.status, "ok");
      const state = await store.getService(SERVICE);
      assert.equal(state.rollout, undefined);
      assert.equal(state.policy?.timeoutMs, 250);
      assert.ok(state.routes);
      const kinds = ((await store.changesSince(SERVICE, moved.version)) ?? []).map((c) => c.kind);
      assert.deepEqual(kinds, ["policy_set", "routes_set", "rollout_stage"]);
      assert.deepEqual(await store.listRollouts(), []);
      const record = await store.getRollout(SERVICE);
      assert.equal(record?.active, false);
      assert.equal(record?.encoded, '{"done":true}');
      assert.equal((await store.claimRollout(SERVICE, "replica-a", 5000, T0)).status, "none");
    });
  });
}

describeRolloutStore("MemoryStore", async () => new MemoryStore({ clock: new FakeClock(T0) }));

let redis: RedisServerHandle | undefined;
const prefixes: string[] = [];
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await Promise.all(prefixes.map((prefix) => redis?.dropKeys(prefix)));
  await redis?.stop();
});

describeRolloutStore("RedisStore", async () => {
  if (redis === undefined) throw new Error("redis-server did not start");
  const keyPrefix = uniqueKeyPrefix();
  prefixes.push(keyPrefix);
  return new RedisStore({ url: redis.url, keyPrefix, leaseClock: "caller" });
});
