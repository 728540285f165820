/**
 * What only RedisStore does: replicas sharing one Redis, wipes, outages, and its key layout.
 * Every test runs against a real redis-server from the test harness.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { Redis } from "ioredis";
import {
  RedisStore,
  type RedisStoreOptions,
  resolveRedisStoreOptions,
  type Store,
} from "../src/store/index.js";
import { launchRedis, type RedisServerHandle, uniqueKeyPrefix } from "../src/testing/index.js";
import { pollUntil, recordFeed, registerOrFail, registration, T0 } from "./support/store-fixtures.js";

const opened: Store[] = [];
const servers: RedisServerHandle[] = [];
const prefixes: Array<[RedisServerHandle, string]> = [];

async function openStore(
  server: RedisServerHandle,
  options: Partial<RedisStoreOptions> = {},
): Promise<RedisStore> {
  // Lease time from the tests' T0 unless a test asks for the server's clock.
  const store = new RedisStore({
    url: server.url,
    keyPrefix: server.keyPrefix,
    leaseClock: "caller",
    ...options,
  });
  opened.push(store);
  prefixes.push([server, options.keyPrefix ?? server.keyPrefix]);
  await store.ready();
  return store;
}

async function startServer(): Promise<RedisServerHandle> {
  const server = await launchRedis();
  servers.push(server);
  return server;
}

async function withClient<T>(server: RedisServerHandle, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** Resolves on the next availability report equal to `expected`. */
function nextAvailability(store: Store, expected: boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`availability did not become ${expected} within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = store.onAvailabilityChange((available) => {
      if (available !== expected) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

let shared: RedisServerHandle;
before(async () => {
  shared = await startServer();
});
after(async () => {
  await Promise.all(opened.map((store) => store.close()));
  // A server from REDIS_URL outlives the run: leave it as it was found.
  await Promise.all(prefixes.map(([server, prefix]) => server.dropKeys(prefix)));
  await Promise.all(servers.map((server) => server.stop()));
});

describe("RedisStore replicas sharing one Redis", () => {
  it("delivers a change made through one replica to the other replica's subscribers, in order", async () => {
    const keyPrefix = uniqueKeyPrefix();
    const a = await openStore(shared, { keyPrefix });
    const b = await openStore(shared, { keyPrefix });
    const feedB = recordFeed(b);
    const leaseId = await registerOrFail(a, registration());
    await a.renew(leaseId, "NOT_SERVING", T0 + 1);
    await a.deregister(leaseId);
    const notices = await feedB.waitFor(3);
    const epoch = await a.epoch();
    assert.equal(await b.epoch(), epoch);
    assert.deepEqual(
      notices.map((n) => [n.kind, n.service, n.version, n.epoch]),
      [
        ["endpoint_upserted", "user-service", 1, epoch],
        ["endpoint_upserted", "user-service", 2, epoch],
        ["endpoint_removed", "user-service", 3, epoch],
      ],
    );
    assert.deepEqual((await b.getService("user-service")).version, 3);
    feedB.stop();
  });

  it("expires each lease exactly once when both replicas sweep at the same time", async () => {
    const keyPrefix = uniqueKeyPrefix();
    const a = await openStore(shared, { keyPrefix });
    const b = await openStore(shared, { keyPrefix });
    const leases = new Set<string>();
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        leases.add(
          await registerOrFail(
            a,
            registration({ port: 1000 + i, ttlMs: 1000 + (i % 7), maxEndpointsPerService: 1000 }),
          ),
        );
      }),
    );
    const sweep = async (store: Store) => {
      const expired: string[] = [];
      for (;;) {
        const batch = await store.expireLeases(T0 + 5000, 9);
        if (batch.length === 0) return expired;
        expired.push(...batch.map((e) => e.leaseId));
      }
    };
    const [fromA, fromB] = await Promise.all([sweep(a), sweep(b)]);
    const all = [...fromA, ...fromB];
    assert.equal(all.length, 200, "each lease expired once in all");
    assert.deepEqual(new Set(all), leases);
    assert.ok(fromA.length > 0 && fromB.length > 0, "both replicas took part in the sweep");
    assert.deepEqual((await a.getService("user-service")).endpoints, []);
    assert.equal((await b.getService("user-service")).version, 400);
  });
});

describe("RedisStore when Redis is wiped", () => {
  it("starts a new epoch that the next mutation returns and the feed carries", async () => {
    const server = await startServer();
    const store = await openStore(server);
    const feed = recordFeed(store);
    const before = await registerOrFail(store, registration());
    const oldEpoch = await store.epoch();
    await server.flushAll();
    assert.deepEqual(await store.renew(before, undefined, T0 + 1), { status: "not_found" });
    const result = await store.register(registration(), T0 + 2);
    assert.equal(result.status, "registered");
    if (result.status !== "registered") return;
    assert.notEqual(result.epoch, oldEpoch);
    assert.equal(result.version, 1, "versions start over in the new epoch");
    assert.equal(await store.epoch(), result.epoch);
    const [first, second] = await feed.waitFor(2);
    assert.equal(first?.epoch, oldEpoch);
    assert.equal(second?.epoch, result.epoch);
    assert.equal(second?.version, 1);
    feed.stop();
  });
});

describe("RedisStore change feed", () => {
  it("resumes after its connection drops, delivering the changes made meanwhile", async (t) => {
    const server = await startServer();
    if (!server.spawned) return t.skip("needs a redis-server of its own (REDIS_URL is set)");
    const store = await openStore(server);
    const feed = recordFeed(store);
    await registerOrFail(store, registration({ port: 1 }));
    await feed.waitFor(1);
    await withClient(server, async (client) => {
      const list = String(await client.call("CLIENT", "LIST"));
      const tail = list.split("\n").find((line) => line.includes("name=switchboard-store-tail"));
      const id = /\bid=(\d+)/.exec(tail ?? "")?.[1];
      assert.ok(id, "the tail connection is listed");
      await client.call("CLIENT", "KILL", "ID", id);
    });
    await registerOrFail(store, registration({ port: 2 }));
    await registerOrFail(store, registration({ port: 3 }));
    const notices = await feed.waitFor(3);
    assert.deepEqual(
      notices.map((n) => n.version),
      [1, 2, 3],
    );
    feed.stop();
  });

  it("reads a recreated stream whose ids sort below the last one delivered", async () => {
    const keyPrefix = uniqueKeyPrefix();
    const store = await openStore(shared, { keyPrefix, tailBlockMs: 50 });
    const feed = recordFeed(store);
    await registerOrFail(store, registration());
    const [first] = await feed.waitFor(1);
    const stream = `{${keyPrefix}}:changes`;
    const change = JSON.stringify({ kind: "policy_deleted", service: "user-service", version: 1 });
    await withClient(shared, async (client) => {
      await client.del(stream);
      await client.xadd(stream, "1-1", "e", "epoch-2", "c", change);
    });
    const [, second] = await feed.waitFor(2);
    assert.ok(first);
    assert.deepEqual(second, {
      kind: "policy_deleted",
      service: "user-service",
      version: 1,
      epoch: "epoch-2",
    });
    feed.stop();
  });
});

describe("RedisStore during a Redis outage", () => {
  it("fails fast while Redis is down and recovers by itself, feed included, when it is back", async (t) => {
    const server = await startServer();
    if (!server.spawned) return t.skip("needs a redis-server of its own (REDIS_URL is set)");
    const store = await openStore(server, { reconnectMaxDelayMs: 100 });
    const feed = recordFeed(store);
    await registerOrFail(store, registration({ port: 1 }));
    await feed.waitFor(1);

    const down = nextAvailability(store, false);
    await server.stop();
    await down;
    const started = Date.now();
    await assert.rejects(store.getService("user-service"), (error: Error & { code?: number }) => {
      assert.equal(error.code, 14, "UNAVAILABLE");
      assert.match(error.message, /unreachable/);
      return true;
    });
    assert.ok(Date.now() - started < 1000, `rejected after ${Date.now() - started} ms`);

    const up = nextAvailability(store, true);
    await server.restart();
    await up;
    const result = await store.register(registration({ port: 2 }), T0);
    assert.equal(result.status, "registered");
    const notices = await feed.waitFor(2);
    assert.equal(notices[1]?.kind === "endpoint_upserted" && notices[1].endpoint.port, 2);
    feed.stop();
  });

  it("fails a call Redis does not answer after commandTimeoutMs instead of hanging", async (t) => {
    if (!shared.spawned)
      return t.skip("pauses the whole server: not done to a shared one (REDIS_URL is set)");
    const store = await openStore(shared, { keyPrefix: uniqueKeyPrefix(), commandTimeoutMs: 200 });
    await store.epoch();
    await withClient(shared, (client) => client.call("CLIENT", "PAUSE", "1000", "ALL"));
    const started = Date.now();
    await assert.rejects(store.listServices(), (error: Error & { code?: number }) => {
      assert.equal(error.code, 14, "UNAVAILABLE");
      assert.match(error.message, /did not answer within 200 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 900, `rejected after ${Date.now() - started} ms`);
    await withClient(shared, (client) => client.call("CLIENT", "UNPAUSE"));
  });
});

describe("RedisStore keys and connections", () => {
  it("writes only keys under its hash-tagged prefix", async (t) => {
    const server = await startServer();
    if (!server.spawned) return t.skip("needs a redis-server of its own (REDIS_URL is set)");
    const store = await openStore(server);
    const leaseId = await registerOrFail(store, registration());
    await store.renew(leaseId, "DRAINING", T0 + 1);
    await store.setPolicy("user-service", { methods: {} });
    await store.publishSubscribers("replica-a", [], 60_000);
    await registerOrFail(store, registration({ port: 2 }));
    await store.removeEndpoint("user-service", "10.0.0.1:2", 60_000);
    const keys = await withClient(server, (client) => client.keys("*"));
    assert.ok(keys.length >= 8, `expected the whole layout, got ${keys.join(", ")}`);
    for (const key of keys)
      assert.ok(key.startsWith(`{${server.keyPrefix}}:`), `${key} is outside the prefix`);
  });

  it("appends nothing to the change stream for a renewal without a health change", async () => {
    const keyPrefix = uniqueKeyPrefix();
    const store = await openStore(shared, { keyPrefix });
    const leaseId = await registerOrFail(store, registration());
    const length = () => withClient(shared, (client) => client.xlen(`{${keyPrefix}}:changes`));
    assert.equal(await length(), 1);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.renew(leaseId, "SERVING", T0 + i)));
    assert.equal(await length(), 1);
  });

  it("closes both of its connections", async () => {
    const storeConnections = () =>
      withClient(shared, async (client) => {
        const list = String(await client.call("CLIENT", "LIST"));
        return list.split("\n").filter((line) => line.includes("name=switchboard-store-")).length;
      });
    const before = await storeConnections();
    const store = new RedisStore({ url: shared.url, keyPrefix: uniqueKeyPrefix() });
    await store.ready();
    assert.equal(await storeConnections(), before + 2);
    await store.close();
    await pollUntil(async () => (await storeConnections()) === before, 2000, "store connections closed");
    await assert.rejects(store.epoch(), { code: 14 });
  });

  it("rejects a bad option, naming the field", () => {
    assert.throws(
      () => resolveRedisStoreOptions({ url: "redis://127.0.0.1:1", changeLogLength: 0 }),
      /changeLogLength/,
    );
    assert.throws(
      () => resolveRedisStoreOptions({ url: "redis://127.0.0.1:1", keyPrefix: "a{b}" }),
      /keyPrefix/,
    );
    assert.throws(() => resolveRedisStoreOptions({ url: "localhost:6379" }), /url/);
  });
});

/** A loopback TCP proxy to Redis whose replies can be held back: a replica that stalls. */
async function startStallingProxy(target: RedisServerHandle) {
  const upstreams: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(target.port, "127.0.0.1");
    upstreams.push(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    hold: () => {
      for (const u of upstreams) u.pause();
    },
    release: () => {
      for (const u of upstreams) u.resume();
    },
    close: () => {
      for (const u of upstreams) u.destroy();
      server.close();
    },
  };
}

describe("RedisStore lease clock", () => {
  it("keeps lease deadlines on the Redis server's clock, so a replica whose clock runs ahead expires no live lease", async () => {
    const keyPrefix = uniqueKeyPrefix();
    const a = await openStore(shared, { keyPrefix, leaseClock: "redis" });
    const b = await openStore(shared, { keyPrefix, leaseClock: "redis" });
    // Replica b's clock runs a minute ahead, replica a's an hour behind.
    const ahead = new FakeClock(Date.now() + 60_000);
    const leaseId = await registerOrFail(a, registration({ ttlMs: 10_000 }), Date.now() - 3_600_000);
    assert.deepEqual(await b.expireLeases(ahead.now(), 10), []);
    assert.equal((await b.renew(leaseId, undefined, ahead.now())).status, "active");
    const [endpoint] = (await a.getService("user-service")).endpoints;
    assert.ok(endpoint);
    const expected = Date.now() + 10_000;
    assert.ok(
      Math.abs(endpoint.expiresAtMs - expected) < 2000,
      `deadline ${endpoint.expiresAtMs} vs ${expected}`,
    );
    assert.ok(Math.abs(endpoint.registeredAtMs - Date.now()) < 2000, "registered at the server's now");
  });
});

describe("RedisStore retries", () => {
  it("retries a mutation Redis did not answer in time with its request id, applying it exactly once", async (t) => {
    if (!shared.spawned)
      return t.skip("pauses the whole server: not done to a shared one (REDIS_URL is set)");
    const keyPrefix = uniqueKeyPrefix();
    const store = await openStore(shared, { keyPrefix, commandTimeoutMs: 300 });
    await store.epoch();
    const pause = () => withClient(shared, (client) => client.call("CLIENT", "PAUSE", "500", "ALL"));
    // The first attempt times out while Redis holds it, and runs when the pause ends; the retry
    // then answers the same result.
    await pause();
    const { version } = await store.setPolicy("billing", Policy.fromPartial({ timeoutMs: 5 }));
    await pause();
    const registered = await store.register(registration(), T0);
    assert.equal(version, 1);
    assert.equal(registered.status === "registered" && registered.version, 1);
    const state = await store.getService("user-service");
    assert.equal(state.version, 1, "one version bump");
    assert.equal(state.endpoints[0]?.leaseId, registered.status === "registered" ? registered.leaseId : "");
    assert.equal((await store.getService("billing")).version, 1);
    assert.equal(await withClient(shared, (client) => client.xlen(`{${keyPrefix}}:changes`)), 2);
  });
});

describe("RedisStore falling behind the change stream", () => {
  it("tells its followers to read every service again when the stream was trimmed past changes it never delivered", async (t) => {
    const server = await startServer();
    if (!server.spawned) return t.skip("configures its redis-server (REDIS_URL is set)");
    await withClient(server, (client) => client.call("CONFIG", "SET", "stream-node-max-entries", "5"));
    const proxy = await startStallingProxy(server);
    t.after(() => proxy.close());
    const a = await openStore(server, { streamMaxLength: 5 });
    await a.setPolicy("noise", Policy.fromPartial({ timeoutMs: 1 }));
    const b = new RedisStore({ url: proxy.url, keyPrefix: server.keyPrefix, leaseClock: "caller" });
    opened.push(b);
    await b.ready();
    const feed = recordFeed(b);
    const resynced = new Promise<void>((resolve) => b.onResync(resolve));
    proxy.hold();
    await a.setPolicy("noise", Policy.fromPartial({ timeoutMs: 1 }));
    // The last change of "stale": trimmed before replica b reads on.
    await registerOrFail(a, registration({ service: "stale" }));
    for (let i = 0; i < 50; i++) await a.setPolicy("noise", Policy.fromPartial({ timeoutMs: 2 + i }));
    proxy.release();
    await resynced;
    assert.ok(!feed.notices.some((n) => n.service === "stale"), "the feed skipped the trimmed change");
    feed.stop();
  });
});
