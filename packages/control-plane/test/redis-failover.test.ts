/**
 * A Redis failover as the store sees it: its connection drops and comes back on another server,
 * a former replica promoted to master, which may have missed the last writes (replication is
 * asynchronous). A relay in front of the servers plays the part of Sentinel's "where is the
 * master": it cuts every connection and sends the next ones to the promoted server.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { RedisStore, type Store } from "../src/store/index.js";
import { parseRedisUrl, redisUrlProblem } from "../src/store/redis-url.js";
import { launchRedis, type RedisServerHandle, uniqueKeyPrefix } from "../src/testing/index.js";
import { pollUntil, recordFeed, registerOrFail, registration, T0 } from "./support/store-fixtures.js";

/** A TCP relay to one upstream port at a time; `switchTo` cuts every open connection. */
class Relay {
  private readonly sockets = new Set<Socket>();
  readonly server: Server;

  constructor(private upstream: number) {
    this.server = createServer((down) => {
      const up = new Socket();
      this.sockets.add(down).add(up);
      const drop = () => {
        down.destroy();
        up.destroy();
        this.sockets.delete(down);
        this.sockets.delete(up);
      };
      down.on("error", drop).on("close", drop);
      up.on("error", drop).on("close", drop);
      up.connect(this.upstream, "127.0.0.1", () => {
        down.pipe(up);
        up.pipe(down);
      });
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("relay has no port");
    return address.port;
  }

  switchTo(port: number): void {
    this.upstream = port;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.switchTo(this.upstream);
    this.server.close();
    await once(this.server, "close");
  }
}

const servers: RedisServerHandle[] = [];
const cleanups: Array<() => unknown> = [];

async function raw(server: RedisServerHandle): Promise<Redis> {
  const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  cleanups.push(() => client.disconnect());
  return client;
}

/** A master, a replica in sync with it, a relay to the master, and a store behind the relay. */
async function pair(): Promise<{
  master: Redis;
  replica: Redis;
  replicaPort: number;
  masterUrl: string;
  replicaUrl: string;
  relay: Relay;
  url: string;
  keyPrefix: string;
}> {
  const [a, b] = await Promise.all([launchRedis(), launchRedis()]);
  if (!a || !b) throw new Error("two servers expected");
  servers.push(a, b);
  const master = await raw(a);
  const replica = await raw(b);
  // Full syncs start at once rather than after the default 5 s of waiting for more replicas.
  await master.config("SET", "repl-diskless-sync-delay", "0");
  // ... and the replica loads the sync in memory, leaving no dump.rdb in the working directory.
  await replica.config("SET", "repl-diskless-load", "on-empty-db");
  await replica.replicaof("127.0.0.1", String(a.port));
  await pollUntil(async () => (await replica.info("replication")).includes("master_link_status:up"), 10_000);
  const relay = new Relay(a.port);
  cleanups.push(() => relay.close());
  const port = await relay.listen();
  return {
    master,
    replica,
    replicaPort: b.port,
    masterUrl: a.url,
    replicaUrl: b.url,
    relay,
    url: `redis://127.0.0.1:${port}`,
    keyPrefix: uniqueKeyPrefix(),
  };
}

function openStore(url: string, keyPrefix: string): RedisStore {
  const store = new RedisStore({ url, keyPrefix, leaseClock: "caller", reconnectMaxDelayMs: 50 });
  cleanups.push(() => store.close());
  return store;
}

/** Resolves on the store's next report that it is available again. */
function nextAvailable(store: Store): Promise<void> {
  return new Promise((resolve) => {
    const off = store.onAvailabilityChange((up) => {
      if (!up) return;
      off();
      resolve();
    });
  });
}

/** Promotes the replica with what it has received so far: REPLICAOF NO ONE. */
async function promote(replica: Redis): Promise<void> {
  await replica.replicaof("NO", "ONE");
}

function offset(info: string, field: string): number {
  return Number(new RegExp(`${field}:(\\d+)`).exec(info)?.[1] ?? -1);
}

/** Waits until the replica has every write the master acknowledged so far. (WAIT would only
 * count this client's own writes, and the store's connections made them.) */
async function replicated(p: { master: Redis; replica: Redis }): Promise<void> {
  const target = offset(await p.master.info("replication"), "master_repl_offset");
  await pollUntil(
    async () => offset(await p.replica.info("replication"), "slave_repl_offset") >= target,
    5000,
    "the replica catching up",
  );
}

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  for (const server of servers) await server.stop();
});

describe("a Redis failover", () => {
  before(async () => {
    // Both servers must be real redis-servers this test starts: it turns one into a replica.
    assert.equal(process.env.REDIS_URL ?? "", "", "run without REDIS_URL: this test spawns its own servers");
  });

  it("keeps the epoch when the promoted replica had every write, and versions count on", async () => {
    const p = await pair();
    const store = openStore(p.url, p.keyPrefix);
    await store.ready();
    const epoch = await store.epoch();
    await registerOrFail(store, registration({ host: "10.0.0.1" }));
    await registerOrFail(store, registration({ host: "10.0.0.2" }));
    const before = await store.getService("user-service");
    await replicated(p);
    await promote(p.replica);
    const back = nextAvailable(store);
    p.relay.switchTo(p.replicaPort);
    await back;
    assert.equal(await store.epoch(), epoch, "a failover that lost nothing keeps the epoch");
    const result = await store.register(registration({ host: "10.0.0.3" }), T0);
    assert.equal(result.status, "registered");
    assert.equal(result.status === "registered" && result.version, before.version + 1);
  });

  it("moves to a new epoch when the promoted replica lost acknowledged writes", async () => {
    const p = await pair();
    const store = openStore(p.url, p.keyPrefix);
    await store.ready();
    const feed = recordFeed(store);
    const epoch = await store.epoch();
    await registerOrFail(store, registration({ host: "10.0.0.1" }));
    await replicated(p);
    // The replica stops following; the master acknowledges two more writes it never sends.
    await promote(p.replica);
    await registerOrFail(store, registration({ host: "10.0.0.2" }));
    await registerOrFail(store, registration({ host: "10.0.0.3" }));
    const seen = await store.getService("user-service");
    await feed.waitFor(3);
    const back = nextAvailable(store);
    p.relay.switchTo(p.replicaPort);
    await back;
    const now = await store.epoch();
    assert.notEqual(now, epoch, "the store must leave the epoch whose versions went back");
    const behind = await store.getService("user-service");
    assert.ok(behind.version < seen.version, "the promoted replica is behind (the premise)");
    // Every change after the failover is published in the new epoch: no client is shown a
    // version it already holds with other contents.
    await registerOrFail(store, registration({ host: "10.0.0.4" }));
    await feed.waitFor(4);
    const late = feed.notices.slice(3);
    assert.ok(late.length > 0 && late.every((n) => n.epoch === now), JSON.stringify(late));
  });

  it("moves to a new epoch when another replica wrote a version this one already streamed", async () => {
    const p = await pair();
    // This replica reaches Redis through the relay; another replica writes to each server directly.
    const store = openStore(p.url, p.keyPrefix);
    await store.ready();
    const feed = recordFeed(store);
    const epoch = await store.epoch();
    const onMaster = openStore(p.masterUrl, p.keyPrefix);
    await registerOrFail(onMaster, registration({ host: "10.0.0.1" }));
    await replicated(p);
    await promote(p.replica);
    // Version 2 on the old master (streamed to this replica), lost; another version 2 on the
    // promoted one, written by a replica that never saw the first.
    await registerOrFail(onMaster, registration({ host: "10.0.0.2" }));
    await feed.waitFor(2);
    const onPromoted = openStore(p.replicaUrl, p.keyPrefix);
    await registerOrFail(onPromoted, registration({ host: "10.0.0.9" }));
    p.relay.switchTo(p.replicaPort);
    await pollUntil(async () => (await store.epoch().catch(() => epoch)) !== epoch, 10_000, "a new epoch");
    await feed.waitFor(3);
    const after = feed.notices.slice(2);
    assert.ok(
      after.every((n) => n.epoch !== epoch),
      `no change of the old epoch after the failover: ${JSON.stringify(after)}`,
    );
  });
});

describe("redis+sentinel:// URLs", () => {
  it("name the sentinels, the master, the credentials and the database", () => {
    assert.deepEqual(
      parseRedisUrl("redis+sentinel://:s3cret@10.0.0.1:26379,sentinel-2,[::1]:26380/mymaster?db=2"),
      {
        kind: "sentinel",
        sentinels: [
          { host: "10.0.0.1", port: 26379 },
          { host: "sentinel-2", port: 26379 },
          { host: "::1", port: 26380 },
        ],
        masterName: "mymaster",
        username: undefined,
        password: "s3cret",
        db: 2,
      },
    );
  });

  it("are refused with the reason, and never echo a password", () => {
    assert.match(redisUrlProblem("redis+sentinel://h:26379") ?? "", /master-name/);
    assert.match(redisUrlProblem("redis+sentinel://h:99999/m") ?? "", /sentinel address/);
    assert.match(redisUrlProblem("redis+sentinel://h:1/m?db=x") ?? "", /db must be/);
    assert.match(redisUrlProblem("redis+sentinel://h:1/m?timeout=1") ?? "", /unknown parameter "timeout"/);
    const refused = redisUrlProblem("http://:hunter2@h:1/m") ?? "";
    assert.match(refused, /must start with redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\//);
    assert.doesNotMatch(refused, /hunter2/);
    assert.equal(redisUrlProblem("redis://127.0.0.1:6379/0"), undefined);
  });
});
