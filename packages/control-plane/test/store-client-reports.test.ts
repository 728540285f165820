/**
 * The client-report part of the Store contract, against MemoryStore and against RedisStore on a
 * real redis-server: the latest report per (service, client), newest wins, and lapsing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { FakeClock } from "@switchboard/core";
import { MemoryStore, RedisStore, type Store } from "../src/store/index.js";
import { launchRedis, type RedisServerHandle, uniqueKeyPrefix } from "../src/testing/index.js";
import { T0 } from "./support/store-fixtures.js";

interface Fixture {
  readonly store: Store;
  elapse(ms: number): Promise<void>;
}

function entry(
  service: string,
  clientId: string,
  receivedAtMs: number,
  encoded = `r-${clientId}-${receivedAtMs}`,
) {
  return { service, clientId, receivedAtMs, encoded };
}

function describeClientReports(name: string, open: () => Promise<Fixture>): void {
  describe(`Store client reports: ${name}`, () => {
    const opened: Store[] = [];
    const fixture = async () => {
      const f = await open();
      opened.push(f.store);
      await f.store.ready();
      return f;
    };
    after(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    it("keeps the latest report of each client per service, whichever replica publishes it last", async () => {
      const { store } = await fixture();
      await store.publishClientReports(
        [entry("echo", "c1", T0), entry("echo", "c2", T0), entry("other", "c1", T0)],
        60_000,
      );
      await store.publishClientReports([entry("echo", "c1", T0 + 5000, "newer:with:colons")], 60_000);
      // A replica that lost the client's stream publishes its older report late: ignored.
      await store.publishClientReports([entry("echo", "c1", T0 + 1000)], 60_000);
      const reports = await store.listClientReports("echo", 0);
      assert.deepEqual(reports, [
        entry("echo", "c1", T0 + 5000, "newer:with:colons"),
        entry("echo", "c2", T0),
      ]);
      assert.deepEqual(await store.listClientReports("other", 0), [entry("other", "c1", T0)]);
      assert.deepEqual(await store.listClientReports("unknown", 0), []);
    });

    it("drops reports received before the time asked for", async () => {
      const { store } = await fixture();
      await store.publishClientReports([entry("echo", "old", T0), entry("echo", "new", T0 + 9000)], 60_000);
      assert.deepEqual(
        (await store.listClientReports("echo", T0 + 1)).map((r) => r.clientId),
        ["new"],
      );
      assert.deepEqual(
        (await store.listClientReports("echo", 0)).map((r) => r.clientId),
        ["new"],
        "the old report was deleted on the way",
      );
    });

    it("lets a service's reports lapse after the TTL unless published again", async () => {
      const { store, elapse } = await fixture();
      await store.publishClientReports([entry("lapsing", "c1", T0)], 150);
      await store.publishClientReports([entry("kept", "c1", T0)], 60_000);
      await elapse(400);
      assert.deepEqual(await store.listClientReports("lapsing", 0), []);
      assert.equal((await store.listClientReports("kept", 0)).length, 1);
    });

    it("refuses an entry without a client id", async () => {
      const { store } = await fixture();
      await assert.rejects(store.publishClientReports([entry("echo", "", T0)], 60_000), /clientId/);
    });
  });
}

describeClientReports("MemoryStore", async () => {
  const clock = new FakeClock(T0);
  return { store: new MemoryStore({ clock }), elapse: async (ms) => clock.advance(ms) };
});

let redis: RedisServerHandle | undefined;
const prefixes: string[] = [];
before(async () => {
  redis = await launchRedis();
});
after(async () => {
  await Promise.all(prefixes.map((prefix) => redis?.dropKeys(prefix)));
  await redis?.stop();
});

describeClientReports("RedisStore", async () => {
  if (redis === undefined) throw new Error("redis-server did not start");
  const keyPrefix = uniqueKeyPrefix();
  prefixes.push(keyPrefix);
  return { store: new RedisStore({ url: redis.url, keyPrefix }), elapse: (ms) => sleep(ms) };
});
