import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { Registry } from "prom-client";
import { DiscoveryHub } from "../src/hub/hub.js";
import type { WatchSink } from "../src/hub/types.js";
import type { WatchSession } from "../src/hub/watch-session.js";
import { ControlPlaneMetrics } from "../src/metrics.js";
import { MemoryStore } from "../src/store/index.js";
import { silent } from "./helpers/control-plane.js";

/** A sink that records what it is given; `writable` false simulates a client that stopped reading. */
class RecordingSink implements WatchSink {
  readonly written: Buffer[] = [];
  writable = true;
  private drain: (() => void) | undefined;
  waiter: ((r: WatchResponse) => void) | undefined;

  write(message: Buffer): boolean {
    this.written.push(message);
    this.waiter?.(WatchResponse.decode(message));
    return this.writable;
  }
  onceDrain(listener: () => void): void {
    this.drain = listener;
  }
  resume(): void {
    this.writable = true;
    const d = this.drain;
    this.drain = undefined;
    d?.();
  }
  last(): WatchResponse {
    const b = this.written[this.written.length - 1];
    assert.ok(b, "nothing written");
    return WatchResponse.decode(b);
  }
}

const endpoint = (port: number) => ({
  service: "fan",
  host: "10.1.0.1",
  port,
  zone: "",
  weight: 1,
  metadata: {},
  health: "SERVING" as const,
  ttlMs: 10_000,
  maxEndpointsPerService: 100_000,
});

function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error("condition not met in time"));
      else setImmediate(tick);
    };
    tick();
  });
}

describe("DiscoveryHub", () => {
  let store: MemoryStore;
  let hub: DiscoveryHub;
  let now = 1_700_000_000_000;

  before(async () => {
    store = new MemoryStore();
    hub = new DiscoveryHub({
      store,
      logger: silent,
      metrics: new ControlPlaneMetrics(new Registry()),
      replicaId: "r1",
      maxSubscriptionsPerStream: 10,
      historyLimit: 100,
      subscriberTableTtlMs: 10_000,
      subscriberPublishIntervalMs: 250,
      epochCheckIntervalMs: 60_000,
      onStoreError: () => undefined,
    });
    await hub.start();
  });
  after(async () => {
    await hub.close();
    await store.close();
  });

  const open = (sink: RecordingSink, clientId: string): WatchSession =>
    hub.openSession(sink, { clientId, zone: "", sdkVersion: "", peer: "test", connectedAtMs: now });

  it("tells 10,000 subscribers of one service about one change quickly, with one shared encoding", async (t) => {
    const N = 10_000;
    const sinks = Array.from({ length: N }, () => new RecordingSink());
    const sessions = sinks.map((s, i) => open(s, `c${i}`));
    for (const s of sessions) s.subscribe("fan", 0);
    await until(() => sinks.every((s) => s.written.length === 1));
    const started = performance.now();
    const reg = await store.register(endpoint(1), now++);
    assert.equal(reg.status, "registered");
    await until(() => sinks.every((s) => s.written.length === 2));
    const elapsedMs = performance.now() - started;
    const d = sinks[N - 1]?.last();
    assert.equal(d?.kind?.$case, "delta");
    const nonces = new Set(sinks.map((s) => s.last().nonce));
    assert.equal(nonces.size, N, "every response has its own nonce");
    t.diagnostic(`fan-out of one change to ${N} in-process subscribers: ${elapsedMs.toFixed(1)} ms`);
    assert.ok(elapsedMs < 5000, `fan-out took ${elapsedMs} ms`);
    for (const s of sessions) hub.closeSession(s);
    assert.equal(hub.cachedServices, 0, "the service is dropped with its last subscriber");
  });

  it("coalesces a burst for a blocked subscriber into one delta with the latest state", async () => {
    const fastSink = new RecordingSink();
    const slowSink = new RecordingSink();
    const fast = open(fastSink, "fast");
    const slow = open(slowSink, "slow");
    fast.subscribe("burst", 0);
    slow.subscribe("burst", 0);
    await until(() => fastSink.written.length === 1 && slowSink.written.length === 1);
    slowSink.writable = false;
    const reg = await store.register({ ...endpoint(1), service: "burst" }, now++);
    await until(() => slowSink.written.length === 2); // this write reports "not writable"
    assert.equal(reg.status, "registered");
    const leases: string[] = [];
    for (let i = 2; i <= 50; i++) {
      const r = await store.register({ ...endpoint(i), service: "burst" }, now++);
      if (r.status === "registered") leases.push(r.leaseId);
    }
    await store.deregister(leases[0] ?? "");
    const final = (await store.getService("burst")).version;
    await until(
      () =>
        fastSink.written.length > 0 &&
        fastSink.last().kind?.$case === "delta" &&
        (fastSink.last().kind as { delta: { version: number } }).delta.version === final,
    );
    assert.equal(slowSink.written.length, 2, "nothing more is written while the stream is blocked");
    assert.equal(slow.stats().dirty, 1);
    slowSink.resume();
    await until(() => slowSink.written.length === 3);
    const d = slowSink.last();
    assert.equal(d.kind?.$case, "delta");
    if (d.kind?.$case !== "delta") return;
    assert.equal(d.kind.delta.version, final);
    assert.equal(d.kind.delta.upserted.length, 48);
    assert.deepEqual(
      d.kind.delta.removed.map((r) => r.id),
      ["10.1.0.1:2"],
    );
    hub.closeSession(fast);
    hub.closeSession(slow);
  });

  it("publishes its subscriber table with sent and acked versions", async () => {
    const sink = new RecordingSink();
    const session = open(sink, "table");
    session.subscribe("tabled", 0);
    await until(() => sink.written.length === 1);
    session.ack(sink.last().nonce);
    await until(() =>
      hub
        .localSubscribers()
        .some(
          (s) =>
            s.clientId === "table" &&
            s.subscriptions[0]?.ackedVersion === 0 &&
            s.subscriptions[0]?.sentVersion === 0,
        ),
    );
    const reg = await store.register({ ...endpoint(9), service: "tabled" }, now++);
    assert.equal(reg.status, "registered");
    await until(() => sink.written.length === 2);
    session.ack(sink.last().nonce);
    const deadline = Date.now() + 5000;
    for (;;) {
      const published = await store.listSubscribers();
      const sub = published.find((s) => s.clientId === "table")?.subscriptions[0];
      if (sub?.ackedVersion === 1 && sub.sentVersion === 1) break;
      assert.ok(Date.now() < deadline, "the published table never showed the ack");
      await new Promise((r) => setTimeout(r, 25));
    }
    hub.closeSession(session);
  });
});
