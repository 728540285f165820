/**
 * Limits answered with RESOURCE_EXHAUSTED: Discovery streams per replica and per connection,
 * message size on unary calls and streams, subscriptions per stream and endpoints per service
 * as the SDK meets them. (Subscriptions per stream and an oversized Watch message on the raw
 * protocol are covered in discovery.test.ts, endpoints per service in registration.test.ts.)
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { DiscoveryClient } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { RegisterResponse } from "@switchboard/core/gen/switchboard/v1/registration.js";
import { createMeshClient, createMeshServer, type MeshServer } from "@switchboard/sdk";
import { pino } from "pino";
import { RawClient } from "../../control-plane/test/fuzz-support/raw-client.js";
import { encode, mapEntries, msg, str } from "../../control-plane/test/fuzz-support/wire.js";
import { type Running, startPlane } from "../../control-plane/test/helpers/control-plane.js";
import { snapshotOf, WatchClient } from "../../control-plane/test/helpers/watch.js";

const silent = pino({ level: "silent" });

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    assert.ok(Date.now() < deadline, `${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Discovery streams per replica", () => {
  let cp: Running;
  const streams: WatchClient[] = [];
  before(async () => {
    cp = await startPlane({ maxWatchStreams: 4 });
  });
  after(async () => {
    for (const w of streams) w.close();
    await cp.close();
  });

  const open = (client = cp.discovery) => {
    const w = new WatchClient(client);
    streams.push(w);
    w.hello(`client-${streams.length}`);
    w.subscribe("limited");
    return w;
  };

  it("refuses the stream past the limit with RESOURCE_EXHAUSTED, and takes one again when a slot frees", async () => {
    const first = [open(), open(), open(), open()];
    for (const w of first) assert.equal(snapshotOf(await w.next()).service, "limited");
    const refused = open();
    const s = await refused.status();
    assert.equal(s.code, status.RESOURCE_EXHAUSTED);
    assert.match(s.details, /limit of 4 Discovery streams/);
    first[0]?.close();
    await until(() => cp.plane.stats().watchStreams === 3, 5000, "the slot to free");
    assert.equal(snapshotOf(await open().next()).service, "limited");
  });

  it("limits the streams of one client connection, so one client cannot take every slot", async () => {
    const local = await startPlane({ maxWatchStreams: 4, maxWatchStreamsPerConnection: 2 });
    const greedy = new DiscoveryClient(local.address, credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    });
    const opened: WatchClient[] = [];
    const start = (client: DiscoveryClient) => {
      const w = new WatchClient(client);
      opened.push(w);
      w.hello(`conn-${opened.length}`);
      w.subscribe("limited");
      return w;
    };
    try {
      for (const w of [start(greedy), start(greedy)])
        assert.equal(snapshotOf(await w.next()).service, "limited");
      const third = await start(greedy).status();
      assert.equal(third.code, status.RESOURCE_EXHAUSTED);
      assert.equal(
        snapshotOf(await start(local.discovery).next()).service,
        "limited",
        "another client gets in",
      );
    } finally {
      for (const w of opened) w.close();
      greedy.close();
      await local.close();
    }
  });
});

describe("message size", () => {
  let cp: Running;
  let raw: RawClient;
  const LIMIT = 16 * 1024;
  before(async () => {
    cp = await startPlane({ maxMessageBytes: LIMIT });
    raw = new RawClient(cp.address);
  });
  after(async () => {
    raw.close();
    await cp.close();
  });

  const big = (n: number) => str("x".repeat(n));

  it("answers oversized unary Registration and Admin requests with RESOURCE_EXHAUSTED", async () => {
    const register = encode([
      [1, str("sized")],
      [2, str("10.0.0.1")],
      [3, { t: "varint", v: 80n }],
      ...mapEntries(6, [[str("k"), big(LIMIT)]]),
    ]);
    const setPolicy = encode([
      [1, str("sized")],
      [2, msg([[4, msg([[2, big(LIMIT)]])]])],
    ]);
    for (const [path, body] of [
      ["/switchboard.v1.Registration/Register", register],
      ["/switchboard.v1.Admin/SetPolicy", setPolicy],
    ] as const) {
      const end = await raw.unary(path, body, new Metadata(), 5000);
      assert.equal(status[end.code], "RESOURCE_EXHAUSTED", `${path}: ${end.details}`);
    }
  });

  it("ends a KeepAlive stream that sends an oversized message with RESOURCE_EXHAUSTED, and keeps serving", async () => {
    const stream = raw.stream("/switchboard.v1.Registration/KeepAlive", new Metadata(), 5000);
    stream.write(encode([[1, big(LIMIT + 10)]]));
    assert.equal(status[(await stream.ended).code], "RESOURCE_EXHAUSTED");
    const ok = await raw.unary("/switchboard.v1.Admin/ListServices", new Uint8Array(), new Metadata(), 5000);
    assert.equal(ok.code, status.OK);
  });
});

describe("a KeepAlive client that never reads its answers", () => {
  let cp: Running;
  let raw: RawClient;
  before(async () => {
    cp = await startPlane();
    raw = new RawClient(cp.address);
  });
  after(async () => {
    raw.close();
    await cp.close();
  });

  it("is stopped from sending (backpressure) instead of having every answer buffered for it", async () => {
    const reg = await raw.unary(
      "/switchboard.v1.Registration/Register",
      encode([
        [1, str("unread")],
        [2, str("10.0.0.1")],
        [3, { t: "varint", v: 80n }],
        [8, { t: "varint", v: 60_000n }],
      ]),
      new Metadata(),
      5000,
    );
    assert.equal(reg.code, status.OK);
    const leaseId = RegisterResponse.decode(reg.responses[0] ?? Buffer.alloc(0)).leaseId;
    const stream = raw.stream("/switchboard.v1.Registration/KeepAlive", new Metadata(), 60_000);
    stream.call.pause();
    const renewal = encode([[1, str(leaseId)]]);
    let sent = 0;
    let stalled = false;
    // Without backpressure all 200,000 go through (some 40 MiB of answers held); with it the
    // client stalls once a bounded amount is buffered (about 24,000 answers).
    while (sent < 200_000 && !stalled) {
      sent += 1;
      if (stream.call.write(Buffer.from(renewal))) continue;
      stalled = await Promise.race([
        once(stream.call, "drain").then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), 2000)),
      ]);
    }
    stream.cancel();
    assert.ok(stalled, `the control plane took all ${sent} renewals without the client reading one answer`);
  });
});

describe("limits as the SDK meets them", () => {
  let cp: Running;
  const servers: MeshServer[] = [];
  before(async () => {
    cp = await startPlane({ maxSubscriptionsPerStream: 2, maxEndpointsPerService: 2 });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.drain()));
    await cp.close();
  });

  it("fails calls to a service past the subscriptions-per-stream limit, naming the limit", async () => {
    const mesh = createMeshClient({ controlPlane: cp.address, name: "few-subscriptions", logger: silent });
    try {
      await mesh.waitForService("first");
      await mesh.waitForService("second");
      const third = new HealthClient("mesh://few-subscriptions/third", credentials.createInsecure());
      const e = await new Promise<ServiceError | null>((resolve) =>
        third.check({ service: "" }, new Metadata(), { deadline: Date.now() + 3000 }, (err) => resolve(err)),
      );
      third.close();
      assert.equal(e?.code, status.UNAVAILABLE);
      assert.match(e?.details ?? "", /at most 2 subscriptions per stream/);
    } finally {
      await mesh.close();
    }
  });

  it("keeps a mesh server past the endpoints-per-service limit unregistered, and logs the RESOURCE_EXHAUSTED reason", async () => {
    let logs = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    for (let i = 0; i < 3; i++) {
      const server = createMeshServer({
        service: "crowded",
        controlPlane: cp.address,
        listen: "127.0.0.1:0",
        handleSignals: false,
        startupRegistrationTimeoutMs: 1500,
        logger: i === 2 ? pino({ level: "info" }, sink) : silent,
      });
      servers.push(server);
      const { registered } = await server.start();
      assert.equal(registered, i < 2, `server ${i} registered: ${registered}`);
    }
    assert.equal((await cp.plane.store.getService("crowded")).endpoints.length, 2);
    assert.match(logs, /registration failed; retrying/);
    assert.match(logs, /already has 2 endpoints, the limit per service/);
  });
});
