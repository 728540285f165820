import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { DiscoveryClient } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { deltaOf, snapshotOf, WatchClient } from "./helpers/watch.js";

const CHANGES = 300;
/** ~3.5 KiB of metadata per endpoint, so a stalled stream fills its flow-control window fast. */
const bulky = (i: number): Record<string, string> =>
  Object.fromEntries([...Array.from({ length: 7 }, (_, k) => [`k${k}`, "x".repeat(500)]), ["n", String(i)]]);

describe("a slow subscriber (a client that stops reading)", () => {
  let cp: Running;
  let slowClient: DiscoveryClient;
  let fast: WatchClient;
  let slow: WatchClient;

  before(async () => {
    cp = await startPlane();
    // Its own connection, as another process would have.
    slowClient = new DiscoveryClient(cp.address, credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    });
    fast = new WatchClient(cp.discovery);
    slow = new WatchClient(slowClient);
    fast.hello("fast");
    slow.hello("slow");
    fast.subscribe("busy");
    slow.subscribe("busy");
    fast.ack(await fast.next());
    slow.ack(await slow.next());
    slow.stream.pause();
  });
  after(async () => {
    fast.close();
    slow.close();
    slowClient.close();
    await cp.close();
  });

  it("does not hold the others up, and the server holds only the latest state for it", async () => {
    let last = 0;
    const started = performance.now();
    for (let i = 0; i < CHANGES; i++) {
      const r = await call(
        cp.registration.register.bind(cp.registration),
        registerRequest({ service: "busy", port: 1000 + i, metadata: bulky(i) }),
      );
      last = r.version;
    }
    await fast.until((r) => r.kind?.$case === "delta" && r.kind.delta.version === last, 10_000);
    const fastMs = performance.now() - started;
    const s = cp.plane.stats().sessions.find((x) => x.clientId === "slow");
    assert.ok(s, "the slow stream has a session");
    assert.equal(s.waitingDrain, true, "the slow stream should be waiting for drain");
    assert.ok(s.dirty <= 1, `dirty services ${s.dirty}`);
    assert.ok(s.bufferedResponses <= 16, `buffered responses ${s.bufferedResponses}`);
    assert.ok(s.nonces <= 4 * s.subscriptions + 64, `remembered nonces ${s.nonces}`);
    assert.ok(fastMs < 10_000, `fast subscriber took ${fastMs} ms`);
  });

  it("catches up with the latest state, coalesced, once it reads again", async () => {
    const state = await call(cp.admin.getService.bind(cp.admin), { service: "busy" });
    slow.stream.resume();
    const seen = new Set<string>();
    const final = await slow.until((r) => {
      if (r.kind?.$case === "delta") for (const e of deltaOf(r).upserted) seen.add(e.id);
      if (r.kind?.$case === "snapshot") for (const e of snapshotOf(r).endpoints) seen.add(e.id);
      return (
        (r.kind?.$case === "delta" && r.kind.delta.version === state.version) ||
        (r.kind?.$case === "snapshot" && r.kind.snapshot.version === state.version)
      );
    }, 10_000);
    assert.ok(final);
    assert.equal(seen.size, CHANGES, "every endpoint reached the slow subscriber");
    assert.ok(
      slow.received < CHANGES,
      `the slow subscriber got ${slow.received} responses for ${CHANGES} changes`,
    );
  });
});
