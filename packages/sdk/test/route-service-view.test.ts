import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServiceSnapshot, WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import pino from "pino";
import { applyResponse } from "../src/client/apply-response.js";
import type { ServiceRuntime } from "../src/client/service-runtime.js";
import { ServiceView } from "../src/client/service-view.js";
import { toSubset } from "./route-helpers.js";

function endpoint(port: number, version: string) {
  return {
    id: `10.0.0.1:${port}`,
    host: "10.0.0.1",
    port,
    zone: "",
    weight: 1,
    metadata: { version },
    health: HealthStatus.HEALTH_STATUS_SERVING,
    adminDrained: false,
  };
}

function routes(v2Weight: number, routeVersion = 3): RouteTable {
  return RouteTable.fromPartial({
    routeVersion,
    subsets: [
      { name: "v1", selector: { version: "v1" } },
      { name: "v2", selector: { version: "v2" } },
    ],
    rules: [{ name: "split", destinations: [toSubset(100 - v2Weight, "v1"), toSubset(v2Weight, "v2")] }],
  });
}

function snapshot(version: number, ports: number[], table: RouteTable | undefined): ServiceSnapshot {
  return {
    service: "users",
    version,
    endpoints: ports.map((p) => endpoint(p, p % 2 ? "v1" : "v2")),
    policy: undefined,
    emptiedByAdmin: false,
    routes: table,
  };
}

const ports = (view: ServiceView) => view.endpoints.map((e) => e.port);
const weights = (view: ServiceView) => view.routes?.rules[0]?.destinations.map((d) => d.weight);

describe("route tables from the control plane", () => {
  it("routes by the table of a snapshot and keeps its route version", () => {
    const view = new ServiceView("users");
    const outcome = view.applySnapshot(snapshot(3, [1, 2], routes(10)), "e1");
    assert.equal(outcome.rejected, undefined);
    assert.equal(outcome.routesChanged, true);
    assert.deepEqual(weights(view), [90, 10]);
    assert.equal(view.routeVersion, 3);
    assert.deepEqual(view.toSnapshot().routes, routes(10), "the snapshot file keeps the table");
  });

  it("replaces the table on a delta's route update, deletes it on an empty one, keeps it without one", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(3, [1], routes(10)), "e1");
    const base = { service: "users", upserted: [], removed: [], policyUpdate: undefined };
    const keep = view.applyDelta({ ...base, fromVersion: 3, version: 4, routeUpdate: undefined });
    assert.equal(keep.routesChanged, false);
    assert.deepEqual(weights(view), [90, 10]);
    const moved = view.applyDelta({
      ...base,
      fromVersion: 4,
      version: 5,
      routeUpdate: { routes: routes(20, 5) },
    });
    assert.equal(moved.routesChanged, true);
    assert.deepEqual(weights(view), [80, 20]);
    assert.equal(view.routeVersion, 5);
    const gone = view.applyDelta({ ...base, fromVersion: 5, version: 6, routeUpdate: { routes: undefined } });
    assert.equal(gone.routesChanged, true);
    assert.equal(view.routes, undefined);
    assert.equal(view.routeVersion, 0);
  });

  it("rejects a snapshot with an invalid table whole: endpoints, policy, routes and version stay", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(3, [1, 2], routes(10)), "e1");
    const bad = routes(10);
    bad.rules[0]?.destinations.pop();
    const outcome = view.applySnapshot(snapshot(4, [5, 6, 7], bad), "e1");
    assert.equal(
      outcome.rejected,
      "invalid route table for users: routes.rules[0].destinations: weights add up to 90; they must add up to 100; keeping the last good state",
    );
    assert.deepEqual(
      [outcome.endpointsChanged, outcome.policyChanged, outcome.routesChanged],
      [false, false, false],
    );
    assert.deepEqual(ports(view), [1, 2]);
    assert.deepEqual(weights(view), [90, 10]);
    assert.equal(view.version, 3);
  });

  it("NACKs a delta with an invalid table, naming the field, and applies none of it", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(3, [1], routes(10)), "e1");
    const runtime = { view, applied: () => {} } as unknown as ServiceRuntime;
    const unknownSubset = routes(10);
    const first = unknownSubset.rules[0]?.destinations[0];
    if (first) first.target = { $case: "subset", subset: "v9" };
    const response: WatchResponse = {
      nonce: "n7",
      epoch: "e1",
      kind: {
        $case: "delta",
        delta: {
          service: "users",
          fromVersion: 3,
          version: 4,
          upserted: [endpoint(2, "v2")],
          removed: [],
          policyUpdate: undefined,
          routeUpdate: { routes: unknownSubset },
        },
      },
    };
    const reply = applyResponse(
      response,
      (s) => (s === "users" ? runtime : undefined),
      pino({ level: "silent" }),
    );
    assert.equal(reply.nack, true);
    const nack = reply.messages[0]?.kind;
    assert.ok(nack?.$case === "nack");
    assert.match(
      nack.nack.reason,
      /routes\.rules\[0\]\.destinations\[0\]\.subset: "v9" is not a subset of this table/,
    );
    assert.deepEqual(ports(view), [1], "the delta's endpoint is not applied either");
    assert.deepEqual(weights(view), [90, 10]);
    assert.equal(view.version, 3);
  });
});
