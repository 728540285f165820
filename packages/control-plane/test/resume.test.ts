import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MemoryStore } from "../src/store/index.js";
import { call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { deltaOf, snapshotOf, WatchClient } from "./helpers/watch.js";

describe("resuming a Discovery stream from the versions a client holds", () => {
  let cp: Running;
  let epoch = "";
  const watches: WatchClient[] = [];
  const watch = () => {
    const w = new WatchClient(cp.discovery);
    watches.push(w);
    return w;
  };
  const register = (port: number) =>
    call(cp.registration.register.bind(cp.registration), registerRequest({ service: "svc-r", port }));

  before(async () => {
    // A change log of 3 entries in the store and in the hub, so "too old" is easy to reach.
    cp = await startPlane({ store: new MemoryStore({ changeLogLength: 3 }), historyLimit: 3 });
    await register(1); // v1
    const w = watch();
    w.hello("first");
    w.subscribe("svc-r");
    const r = await w.next();
    epoch = r.epoch;
    assert.equal(snapshotOf(r).version, 1);
    w.close();
    await register(2); // v2
  });
  after(async () => {
    for (const w of watches) w.close();
    await cp.close();
  });

  it("sends only what changed since the known version (Hello.known_versions)", async () => {
    const w = watch();
    w.hello("resumer", { epoch, knownVersions: { "svc-r": 1 } });
    const d = deltaOf(await w.next());
    assert.equal(d.fromVersion, 1);
    assert.equal(d.version, 2);
    assert.deepEqual(
      d.upserted.map((e) => e.id),
      ["10.0.0.1:2"],
    );
    assert.deepEqual(d.removed, []);
  });

  it("sends an empty delta (from_version = version) when the client is already current", async () => {
    const w = watch();
    w.hello("current", { epoch });
    w.subscribe("svc-r", 2);
    const d = deltaOf(await w.next());
    assert.equal(d.fromVersion, 2);
    assert.equal(d.version, 2);
    assert.deepEqual(d.upserted, []);
    assert.deepEqual(d.removed, []);
  });

  it("sends a snapshot when the known version comes from another epoch", async () => {
    const w = watch();
    w.hello("other-epoch", { epoch: "some-other-epoch", knownVersions: { "svc-r": 1 } });
    const s = snapshotOf(await w.next());
    assert.equal(s.version, 2);
    assert.equal(s.endpoints.length, 2);
  });

  it("sends a snapshot when the change log no longer reaches back", async () => {
    for (const port of [3, 4, 5, 6]) await register(port); // v3..v6; the log keeps v4..v6
    const w = watch();
    w.hello("late", { epoch, knownVersions: { "svc-r": 2 } });
    const s = snapshotOf(await w.next());
    assert.equal(s.version, 6);
    assert.equal(s.endpoints.length, 6);
  });

  it("folds several changes into one delta for a client that resumes within the log", async () => {
    const w = watch();
    w.hello("near", { epoch, knownVersions: { "svc-r": 4 } });
    const d = deltaOf(await w.next());
    assert.equal(d.fromVersion, 4);
    assert.equal(d.version, 6);
    assert.deepEqual(d.upserted.map((e) => e.id).sort(), ["10.0.0.1:5", "10.0.0.1:6"]);
  });
});
