/**
 * Limits on what a caller can hold open: Discovery streams counted from the moment they open
 * (with a Hello deadline) per replica, per connection and per client address; Health.Watch
 * streams per replica and per address; AwaitPropagation calls per replica, all served by one
 * reader of the subscriber tables. Every refusal names its limit and the flag that raises it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import {
  type HealthCheckResponse,
  HealthClient,
  HealthCheckResponse_ServingStatus as Serving,
} from "@switchboard/core/gen/grpc/health/v1/health.js";
import { DiscoveryClient } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { AwaitPropagationResponse } from "@switchboard/core/gen/switchboard/v1/registration.js";
import { FLAGS } from "../src/cli.js";
import { peerAddress } from "../src/services/stream-slots.js";
import { MemoryStore } from "../src/store/index.js";
import type { SubscriberInfo } from "../src/store/types.js";
import { call, callError, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { snapshotOf, WatchClient } from "./helpers/watch.js";

/** The refusal names `flag`, and `flag` is one the command accepts. */
function assertNamesFlag(details: string, flag: string): void {
  assert.ok(details.includes(flag), `"${details}" does not name ${flag}`);
  assert.ok(
    FLAGS.some((f) => f.flag === flag),
    `${flag} is not a flag of switchboard-control-plane`,
  );
}

/** A Discovery client on a connection of its own. */
function ownConnection(address: string): DiscoveryClient {
  return new DiscoveryClient(address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
}

function ready(client: { waitForReady(deadline: number, cb: (e?: Error) => void): void }): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve())),
  );
}

describe("the peer address a limit counts by", () => {
  it("is the host part of grpc-js's peer string, for IPv4 and IPv6", () => {
    assert.equal(peerAddress("10.0.0.7:5123"), "10.0.0.7");
    assert.equal(peerAddress("::1:5123"), "::1");
    assert.equal(peerAddress("::ffff:127.0.0.1:40000"), "::ffff:127.0.0.1");
    assert.equal(peerAddress("[2001:db8::1]:443"), "2001:db8::1");
  });
});

describe("Discovery streams before Hello", () => {
  it("ends a stream that sends no hello within helloTimeoutMs with DEADLINE_EXCEEDED naming hello, and frees its slot", async () => {
    const cp = await startPlane({ helloTimeoutMs: 200, maxWatchStreams: 1 });
    const silent = new WatchClient(cp.discovery);
    try {
      const ended = await silent.status(5000);
      assert.equal(ended.code, status.DEADLINE_EXCEEDED);
      assert.match(ended.details, /^hello: none within 200 ms/);
      assertNamesFlag(ended.details, "--hello-timeout-ms");
      const next = new WatchClient(cp.discovery);
      next.hello("after-the-silent-one");
      next.subscribe("limited");
      assert.equal(snapshotOf(await next.next()).service, "limited", "the slot was given back");
      next.close();
    } finally {
      silent.close();
      await cp.close();
    }
  });

  it("counts a stream against the replica's limit from the moment it opens, not from its hello", async () => {
    const cp = await startPlane({ maxWatchStreams: 2 });
    const opened: WatchClient[] = [];
    try {
      await ready(cp.discovery);
      // Two streams that never say hello, then one that does, on one connection (opened in order).
      opened.push(new WatchClient(cp.discovery), new WatchClient(cp.discovery));
      const third = new WatchClient(cp.discovery);
      opened.push(third);
      third.hello("third");
      third.subscribe("limited");
      const s = await third.status();
      assert.equal(s.code, status.RESOURCE_EXHAUSTED);
      assert.match(s.details, /limit of 2 Discovery streams/);
      assertNamesFlag(s.details, "--max-watch-streams");
    } finally {
      for (const w of opened) w.close();
      await cp.close();
    }
  });
});

describe("Discovery streams per client address", () => {
  let cp: Running;
  const clients: DiscoveryClient[] = [];
  const opened: WatchClient[] = [];
  before(async () => {
    cp = await startPlane({ maxWatchStreamsPerConnection: 2, maxWatchStreamsPerPeer: 3 });
  });
  after(async () => {
    for (const w of opened) w.close();
    for (const c of clients) c.close();
    await cp.close();
  });

  const start = (client: DiscoveryClient) => {
    const w = new WatchClient(client);
    opened.push(w);
    w.hello(`client-${opened.length}`);
    w.subscribe("per-address");
    return w;
  };

  it("refuses a client more streams over several connections than the per-address limit, naming --max-watch-streams-per-peer", async () => {
    const first = ownConnection(cp.address);
    const second = ownConnection(cp.address);
    clients.push(first, second);
    for (const w of [start(first), start(first), start(second)]) {
      assert.equal(snapshotOf(await w.next()).service, "per-address");
    }
    const fourth = await start(second).status();
    assert.equal(fourth.code, status.RESOURCE_EXHAUSTED);
    assert.match(fourth.details, /at most 3 Discovery streams per client address/);
    assertNamesFlag(fourth.details, "--max-watch-streams-per-peer");
  });

  it("names --max-watch-streams-per-connection when one connection holds its limit", async () => {
    const local = await startPlane({ maxWatchStreamsPerConnection: 1 });
    const client = ownConnection(local.address);
    const streams = [new WatchClient(client), new WatchClient(client)];
    try {
      for (const [i, w] of streams.entries()) {
        w.hello(`one-connection-${i}`);
        w.subscribe("per-connection");
      }
      assert.equal(snapshotOf(await streams[0]!.next()).service, "per-connection");
      const refused = await streams[1]!.status();
      assert.equal(refused.code, status.RESOURCE_EXHAUSTED);
      assertNamesFlag(refused.details, "--max-watch-streams-per-connection");
    } finally {
      for (const w of streams) w.close();
      client.close();
      await local.close();
    }
  });
});

/** A Health.Watch stream and its first answer: a status, or the error it was refused with. */
function healthWatch(client: HealthClient): { first: Promise<Serving | ServiceError>; cancel(): void } {
  const stream = client.watch({ service: "" });
  const first = new Promise<Serving | ServiceError>((resolve) => {
    stream.once("data", (r: HealthCheckResponse) => resolve(r.status));
    stream.on("error", (e: ServiceError) => resolve(e));
  });
  return { first, cancel: () => stream.cancel() };
}

describe("Health.Watch streams", () => {
  it("are limited per client address, while Check keeps answering", async () => {
    const cp = await startPlane({ maxHealthWatchStreams: 100, maxHealthWatchStreamsPerPeer: 2 });
    const watches = [0, 1, 2].map(() => healthWatch(cp.health));
    try {
      const [a, b, c] = await Promise.all(watches.map((w) => w.first));
      assert.equal(a, Serving.SERVING);
      assert.equal(b, Serving.SERVING);
      const refused = c as ServiceError;
      assert.equal(refused.code, status.RESOURCE_EXHAUSTED);
      assert.match(refused.details, /at most 2 Health.Watch streams per client address/);
      assertNamesFlag(refused.details, "--max-health-watch-streams-per-peer");
      assert.equal((await call(cp.health.check.bind(cp.health), { service: "" })).status, Serving.SERVING);
    } finally {
      for (const w of watches) w.cancel();
      await cp.close();
    }
  });

  it("are limited per replica over every client, and a slot frees when a watch ends", async () => {
    const cp = await startPlane({ maxHealthWatchStreams: 1 });
    const other = new HealthClient(cp.address, credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    });
    const first = healthWatch(cp.health);
    try {
      assert.equal(await first.first, Serving.SERVING);
      const refused = (await healthWatch(other).first) as ServiceError;
      assert.equal(refused.code, status.RESOURCE_EXHAUSTED);
      assertNamesFlag(refused.details, "--max-health-watch-streams");
      first.cancel();
      // The cancel reaches the server asynchronously: try again until the slot is free.
      for (let attempt = 0; ; attempt++) {
        const w = healthWatch(other);
        const got = await w.first;
        w.cancel();
        if (got === Serving.SERVING) break;
        assert.ok(attempt < 100, "the slot of the cancelled watch was never given back");
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      first.cancel();
      other.close();
      await cp.close();
    }
  });

  it("needs no token when tokens are configured (probes use Check; Watch is bounded instead)", async () => {
    const cp = await startPlane({ adminToken: "a", registrationToken: "r", discoveryToken: "d" });
    const w = healthWatch(cp.health);
    try {
      assert.equal((await call(cp.health.check.bind(cp.health), { service: "" })).status, Serving.SERVING);
      assert.equal(await w.first, Serving.SERVING);
    } finally {
      w.cancel();
      await cp.close();
    }
  });
});

/** A real MemoryStore that counts reads of the subscriber tables. */
class CountingStore extends MemoryStore {
  reads = 0;
  override listSubscribers(): Promise<readonly SubscriberInfo[]> {
    this.reads += 1;
    return super.listSubscribers();
  }
}

describe("AwaitPropagation", () => {
  let cp: Running;
  let store: CountingStore;
  let version = 0;
  let watcher: WatchClient;
  before(async () => {
    store = new CountingStore();
    cp = await startPlane({ store, maxPropagationWaits: 24, propagationPollIntervalMs: 50 });
    const reg = await call(
      cp.registration.register.bind(cp.registration),
      registerRequest({ service: "slow" }),
    );
    version = reg.version;
    // A subscriber that reads but never acks: every wait runs to its timeout.
    watcher = new WatchClient(cp.discovery);
    watcher.hello("never-acks");
    watcher.subscribe("slow");
    await watcher.next();
  });
  after(async () => {
    watcher.close();
    await cp.close();
  });

  const wait = (timeoutMs: number): Promise<AwaitPropagationResponse> =>
    call(cp.registration.awaitPropagation.bind(cp.registration), { service: "slow", version, timeoutMs });

  it("reads the subscriber tables once per interval however many calls wait", async () => {
    const before = store.reads;
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => wait(1000)));
    const elapsed = Date.now() - started;
    for (const a of answers) assert.deepEqual(a, { complete: false, subscribers: 1, acknowledged: 0 });
    const reads = store.reads - before;
    // One reader: at most one read per 50 ms interval (plus the first); 20 pollers would make
    // some 20 times as many.
    assert.ok(reads <= Math.ceil(elapsed / 50) + 1, `${reads} reads in ${elapsed} ms for 20 waiting calls`);
  });

  it("refuses calls past maxPropagationWaits with RESOURCE_EXHAUSTED naming --max-propagation-waits", async () => {
    const local = await startPlane({ store: new CountingStore(), maxPropagationWaits: 2 });
    const localStore = local.plane.store as CountingStore;
    try {
      const reg = await call(local.registration.register.bind(local.registration), registerRequest());
      const w = new WatchClient(local.discovery);
      w.hello("never-acks");
      w.subscribe("user-service");
      await w.next();
      const ap = local.registration.awaitPropagation.bind(local.registration);
      const request = { service: "user-service", version: reg.version, timeoutMs: 3000 };
      const waiting: Promise<unknown>[] = [];
      for (let i = 0; i < 2; i++) {
        // Each call is on the server once it has read the tables for it.
        const reads = localStore.reads;
        waiting.push(call(ap, request));
        while (localStore.reads === reads) await new Promise((r) => setTimeout(r, 5));
      }
      const refused = await callError(ap, request);
      assert.equal(refused.code, status.RESOURCE_EXHAUSTED);
      assert.match(refused.details, /limit of 2 AwaitPropagation calls/);
      assertNamesFlag(refused.details, "--max-propagation-waits");
      w.close();
      await Promise.all(waiting);
    } finally {
      await local.close();
    }
  });
});
