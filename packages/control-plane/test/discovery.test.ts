import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ClientDuplexStream, credentials, makeGenericClientConstructor, status } from "@grpc/grpc-js";
import { DiscoveryService } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import { call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { deltaOf, errorOf, snapshotOf, WatchClient } from "./helpers/watch.js";

describe("Discovery.Watch", () => {
  let cp: Running;
  const watches: WatchClient[] = [];
  const watch = () => {
    const w = new WatchClient(cp.discovery);
    watches.push(w);
    return w;
  };
  const register = (overrides = {}) =>
    call(cp.registration.register.bind(cp.registration), registerRequest(overrides));

  before(async () => {
    cp = await startPlane({ maxSubscriptionsPerStream: 3, maxMessageBytes: 64 * 1024 });
  });
  after(async () => {
    for (const w of watches) w.close();
    await cp.close();
  });

  it("ends a stream whose first message is not hello with INVALID_ARGUMENT naming hello", async () => {
    const w = watch();
    w.subscribe("user-service");
    const s = await w.status();
    assert.equal(s.code, status.INVALID_ARGUMENT);
    assert.match(s.details, /^hello: /);
  });

  it("ends a stream whose hello has no client_id with INVALID_ARGUMENT naming hello.client_id", async () => {
    const w = watch();
    w.hello("");
    const s = await w.status();
    assert.equal(s.code, status.INVALID_ARGUMENT);
    assert.match(s.details, /^hello\.client_id: /);
  });

  it("ends a stream that sends an empty request with INVALID_ARGUMENT naming kind", async () => {
    const w = watch();
    w.hello("c1");
    w.send({ kind: undefined });
    const s = await w.status();
    assert.equal(s.code, status.INVALID_ARGUMENT);
    assert.match(s.details, /^kind: /);
  });

  it("ends a stream that sends an oversized message with RESOURCE_EXHAUSTED, and keeps serving", async () => {
    const w = watch();
    w.hello("big");
    w.subscribe("x".repeat(100_000));
    assert.equal((await w.status()).code, status.RESOURCE_EXHAUSTED);
    const ok = watch();
    ok.hello("after-big");
    ok.subscribe("still-fine");
    assert.equal(snapshotOf(await ok.next()).service, "still-fine");
  });

  it("ends a stream that sends bytes that are not a WatchRequest with a status, and keeps serving", async () => {
    const Raw = makeGenericClientConstructor(
      {
        watch: {
          ...DiscoveryService.watch,
          requestSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      "switchboard.v1.Discovery",
    );
    const raw = new Raw(cp.address, credentials.createInsecure()) as unknown as {
      watch(): ClientDuplexStream<Buffer, Buffer>;
      close(): void;
    };
    const stream = raw.watch();
    const ended = new Promise<{ code: number }>((resolve) => {
      stream.on("data", () => undefined);
      stream.on("error", resolve);
    });
    stream.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    const e = await ended;
    assert.notEqual(e.code, status.OK);
    raw.close();
    const ok = watch();
    ok.hello("after-garbage");
    ok.subscribe("still-fine");
    assert.equal(snapshotOf(await ok.next()).service, "still-fine");
  });

  it("answers a subscription with a snapshot, then a delta for each registration", async () => {
    await register({ service: "svc-a", port: 1001 });
    const w = watch();
    w.hello("c2");
    w.subscribe("svc-a");
    const first = await w.next();
    const snap = snapshotOf(first);
    assert.equal(snap.service, "svc-a");
    assert.deepEqual(
      snap.endpoints.map((e) => e.id),
      ["10.0.0.1:1001"],
    );
    assert.ok(first.nonce.length > 0);
    assert.ok(first.epoch.length > 0);
    w.ack(first);
    const reg = await register({ service: "svc-a", port: 1002 });
    const d = deltaOf(await w.next());
    assert.equal(d.fromVersion, snap.version);
    assert.equal(d.version, reg.version);
    assert.deepEqual(
      d.upserted.map((e) => e.id),
      ["10.0.0.1:1002"],
    );
  });

  it("answers an invalid service name with a SubscriptionError and keeps the stream", async () => {
    const w = watch();
    w.hello("c3");
    w.subscribe("bad name!");
    const e = errorOf(await w.next());
    assert.equal(e.code, status.INVALID_ARGUMENT);
    assert.match(e.message, /^subscribe\.service: /);
    w.subscribe("svc-ok");
    const snap = snapshotOf(await w.next());
    assert.equal(snap.service, "svc-ok");
    assert.equal(snap.version, 0);
  });

  it("refuses subscriptions past the per-stream limit with RESOURCE_EXHAUSTED, without ending the stream", async () => {
    const w = watch();
    w.hello("c4");
    for (const s of ["l1", "l2", "l3", "l4"]) w.subscribe(s);
    const kinds = [];
    for (let i = 0; i < 4; i++) kinds.push(await w.next());
    const errors = kinds.filter((r) => r.kind?.$case === "error").map(errorOf);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, status.RESOURCE_EXHAUSTED);
    assert.equal(errors[0]?.service, "l4");
    w.send({ kind: { $case: "unsubscribe", unsubscribe: { service: "l1" } } });
    w.subscribe("l4");
    assert.equal(snapshotOf(await w.next()).service, "l4");
  });

  it("sends a delta with the policy after Admin.SetPolicy, and one with DRAINING after DrainEndpoint", async () => {
    await register({ service: "svc-p", port: 2001 });
    const w = watch();
    w.hello("c5");
    w.subscribe("svc-p");
    const snap = snapshotOf(await w.until(() => true));
    assert.equal(snap.policy, undefined);
    await call(cp.admin.setPolicy.bind(cp.admin), {
      service: "svc-p",
      policy: { timeoutMs: 750, methods: {} },
      validateOnly: false,
    });
    const withPolicy = deltaOf(await w.until(() => true));
    assert.equal(withPolicy.policyUpdate?.policy?.timeoutMs, 750);
    await call(cp.admin.drainEndpoint.bind(cp.admin), {
      service: "svc-p",
      endpointId: "10.0.0.1:2001",
      undo: false,
    });
    const drained = deltaOf(await w.until(() => true));
    assert.equal(drained.upserted[0]?.health, HealthStatus.HEALTH_STATUS_DRAINING);
    assert.equal(drained.upserted[0]?.adminDrained, true);
    assert.equal(drained.policyUpdate, undefined);
  });

  it("records a NACK, visible with its reason in Admin.ListSubscribers", async () => {
    const w = watch();
    w.hello("nacker");
    w.subscribe("svc-n");
    const r = await w.next();
    w.nack(r, "policy not understood");
    w.send({ kind: { $case: "ack", ack: { nonce: "no-such-nonce" } } });
    const deadline = Date.now() + 5000;
    for (;;) {
      const list = await call(cp.admin.listSubscribers.bind(cp.admin), { service: "svc-n" });
      const sub = list.subscribers.find((s) => s.clientId === "nacker")?.subscriptions[0];
      if (sub && sub.nackCount === 1) {
        assert.equal(sub.lastNackReason, "policy not understood");
        assert.equal(sub.ackedVersion, 0);
        assert.equal(list.subscribers.find((s) => s.clientId === "nacker")?.replicaId, cp.plane.replicaId);
        break;
      }
      assert.ok(Date.now() < deadline, "the NACK never showed up in ListSubscribers");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it("shows acked versions per subscriber, and AwaitPropagation completes once they ack", async () => {
    const w = watch();
    w.hello("acker");
    w.subscribe("svc-w");
    await w.until(() => true);
    const reg = await register({ service: "svc-w", port: 3001 });
    const waiting = call(cp.registration.awaitPropagation.bind(cp.registration), {
      service: "svc-w",
      version: reg.version,
      timeoutMs: 5000,
    });
    const d = deltaOf(await w.until(() => true));
    assert.equal(d.version, reg.version);
    const res = await waiting;
    assert.deepEqual(res, { complete: true, subscribers: 1, acknowledged: 1 });
  });

  it("reports AwaitPropagation incomplete when a subscriber never acks", async () => {
    const w = watch();
    w.hello("silent");
    w.subscribe("svc-x");
    await w.next();
    const reg = await register({ service: "svc-x", port: 3002 });
    const res = await call(cp.registration.awaitPropagation.bind(cp.registration), {
      service: "svc-x",
      version: reg.version,
      timeoutMs: 200,
    });
    assert.deepEqual(res, { complete: false, subscribers: 1, acknowledged: 0 });
  });
});
