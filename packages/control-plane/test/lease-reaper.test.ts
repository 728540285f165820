import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import { RemovalReason } from "@switchboard/core/gen/switchboard/v1/types.js";
import { Registry } from "prom-client";
import { LeaseReaper, type Timers } from "../src/lease-reaper.js";
import { ControlPlaneMetrics } from "../src/metrics.js";
import { MemoryStore } from "../src/store/index.js";
import type { Store } from "../src/store/types.js";
import { call, type Running, registerRequest, silent, startPlane } from "./helpers/control-plane.js";
import { deltaOf, WatchClient } from "./helpers/watch.js";

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  private next: (() => void) | undefined;
  setTimeout(fn: () => void): unknown {
    this.next = fn;
    return fn;
  }
  clearTimeout(): void {
    this.next = undefined;
  }
  get armed(): boolean {
    return this.next !== undefined;
  }
}

describe("lease expiry", () => {
  let clock: FakeClock;
  let cp: Running;

  before(async () => {
    clock = new FakeClock();
    cp = await startPlane({ clock, minLeaseTtlMs: 100, defaultLeaseTtlMs: 1000, reaperIntervalMs: 5 });
  });
  after(async () => {
    await cp.close();
  });

  it("removes an endpoint whose lease expired and tells subscribers", async () => {
    const kept = await call(
      cp.registration.register.bind(cp.registration),
      registerRequest({ service: "leased", port: 1, ttlMs: 5000 }),
    );
    const expiring = await call(
      cp.registration.register.bind(cp.registration),
      registerRequest({ service: "leased", port: 2, ttlMs: 1000 }),
    );
    const w = new WatchClient(cp.discovery);
    w.hello("watcher");
    w.subscribe("leased");
    await w.until(() => true);
    clock.advance(999);
    await cp.plane.reaper.sweep();
    assert.equal(
      (await cp.plane.store.getService("leased")).endpoints.length,
      2,
      "not expired before its TTL",
    );
    clock.advance(2);
    const d = deltaOf(await w.until((r) => r.kind?.$case === "delta"));
    assert.deepEqual(d.removed, [{ id: expiring.endpointId, reason: RemovalReason.REMOVAL_REASON_EXPIRED }]);
    assert.deepEqual(
      (await cp.plane.store.getService("leased")).endpoints.map((e) => e.id),
      [kept.endpointId],
    );
    assert.ok(cp.plane.stats().leasesExpired >= 1);
    const metrics = await cp.plane.registry.getSingleMetricAsString("switchboard_lease_expiries_total");
    assert.match(metrics, /switchboard_lease_expiries_total 1/);
    w.close();
  });
});

describe("LeaseReaper", () => {
  it("pauses for one max TTL after the store comes back, then expires again", async () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    let available: ((up: boolean) => void) | undefined;
    const flaky: Store = Object.assign(Object.create(store) as Store, {
      onAvailabilityChange(listener: (up: boolean) => void) {
        available = listener;
        return () => undefined;
      },
    });
    const timers = new ManualTimers();
    const reaper = new LeaseReaper({
      store: flaky,
      clock,
      logger: silent,
      metrics: new ControlPlaneMetrics(new Registry()),
      intervalMs: 10,
      batchSize: 2,
      pauseAfterOutageMs: 60_000,
      timers,
    });
    reaper.start();
    assert.ok(timers.armed);
    for (let port = 1; port <= 5; port++) {
      await store.register(
        {
          service: "p",
          host: "h",
          port,
          zone: "",
          weight: 1,
          metadata: {},
          health: "SERVING",
          ttlMs: 1000,
          maxEndpointsPerService: 100,
        },
        clock.now(),
      );
    }
    clock.advance(1001);
    available?.(false);
    available?.(true);
    assert.equal(reaper.paused, true);
    assert.equal(await reaper.sweep(), 0, "no expiry while paused");
    clock.advance(60_000);
    assert.equal(reaper.paused, false);
    assert.equal(await reaper.sweep(), 5, "all five, in batches of two, in one sweep");
    assert.equal(reaper.expired, 5);
    await reaper.stop();
    assert.equal(timers.armed, false);
    await store.close();
  });
});
