import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import type { ServiceDelta, ServiceSnapshot } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { type Endpoint, HealthStatus, RemovalReason } from "@switchboard/core/gen/switchboard/v1/types.js";
import { ServiceView } from "../src/client/service-view.js";

const HOLD_MS = 10_000;

function endpoint(port: number): Endpoint {
  return {
    id: `10.0.0.1:${port}`,
    host: "10.0.0.1",
    port,
    zone: "",
    weight: 1,
    metadata: {},
    health: HealthStatus.HEALTH_STATUS_SERVING,
    adminDrained: false,
  };
}

function snapshot(version: number, ports: number[]): ServiceSnapshot {
  return {
    service: "users",
    version,
    endpoints: ports.map(endpoint),
    policy: undefined,
    emptiedByAdmin: false,
  };
}

function delta(from: number, upserted: number[], removed: number[] = []): ServiceDelta {
  return {
    service: "users",
    fromVersion: from,
    version: from + 1,
    upserted: upserted.map(endpoint),
    removed: removed.map((p) => ({ id: `10.0.0.1:${p}`, reason: RemovalReason.REMOVAL_REASON_EXPIRED })),
  };
}

const ports = (view: ServiceView) => view.endpoints.map((e) => e.port).sort();

/** A view routing on three instances in epoch "one", then told of a wiped store (epoch "two"). */
function afterEpochChange(firstBack: number[]) {
  const clock = new FakeClock();
  const view = new ServiceView("users", { clock, epochChangeHoldMs: HOLD_MS });
  view.applySnapshot(snapshot(7, [1, 2, 3]), "one");
  const outcome = view.applySnapshot(snapshot(1, firstBack), "two");
  return { clock, view, outcome };
}

describe("service view after an epoch change", () => {
  it("keeps routing to every known instance while only the first one has registered again", () => {
    const { view } = afterEpochChange([1]);
    assert.deepEqual(ports(view), [1, 2, 3], "traffic would all land on the first instance back");
    assert.equal(view.stale, true);
    assert.equal(view.epoch, "two");
  });

  it("routes on the re-registered instances once one lease TTL has passed, dropping the others", () => {
    const { clock, view } = afterEpochChange([1]);
    view.applyDelta(delta(1, [2]));
    clock.advance(HOLD_MS - 1);
    assert.equal(view.endHoldIfDue(), undefined, "dropped before re-registration had its time");
    assert.deepEqual(ports(view), [1, 2, 3]);
    clock.advance(1);
    const outcome = view.endHoldIfDue();
    assert.equal(outcome?.endpointsChanged, true);
    assert.deepEqual(ports(view), [1, 2]);
    assert.equal(view.stale, false);
    assert.equal(view.holdRemainingMs(), 0);
  });

  it("takes the new epoch's word on an instance at once: its entry replaces the held one, its removal drops it", () => {
    const { view } = afterEpochChange([1]);
    view.applyDelta({
      ...delta(1, []),
      upserted: [{ ...endpoint(2), health: HealthStatus.HEALTH_STATUS_DRAINING }],
    });
    assert.equal(view.endpoints.find((e) => e.port === 2)?.health, "DRAINING");
    view.applyDelta(delta(2, [], [2]));
    assert.deepEqual(ports(view), [1, 3]);
  });

  it("applies a later update after the hold as it is", () => {
    const { clock, view } = afterEpochChange([1]);
    clock.advance(HOLD_MS);
    view.applyDelta(delta(1, [4]));
    assert.deepEqual(ports(view), [1, 4]);
  });

  it("holds nothing on the first snapshot, nor on a new snapshot in the same epoch", () => {
    const clock = new FakeClock();
    const view = new ServiceView("users", { clock, epochChangeHoldMs: HOLD_MS });
    view.applySnapshot(snapshot(1, [1, 2]), "one");
    view.applySnapshot(snapshot(2, [1]), "one");
    assert.deepEqual(ports(view), [1]);
    assert.equal(view.holdRemainingMs(), 0);
  });
});
