import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import {
  bearer,
  call,
  callError,
  type Running,
  registerRequest,
  startPlane,
} from "./helpers/control-plane.js";
import { canaryRoutes, splitRoutes } from "./support/route-fixtures.js";

const ADMIN_TOKEN = "admin-secret-routes";

describe("Admin route tables", () => {
  let cp: Running;
  const md = () => bearer(ADMIN_TOKEN);
  const setRoutes = (service: string, routes: RouteTable | undefined, extra = {}) =>
    call(cp.admin.setRoutes.bind(cp.admin), { service, routes, validateOnly: false, ...extra }, md());
  const setRoutesError = (service: string, routes: RouteTable | undefined) =>
    callError(cp.admin.setRoutes.bind(cp.admin), { service, routes, validateOnly: false }, md());
  const getRoutes = (service: string) => call(cp.admin.getRoutes.bind(cp.admin), { service }, md());
  const deleteRoutes = (service: string, extra = {}) =>
    call(cp.admin.deleteRoutes.bind(cp.admin), { service, ...extra }, md());

  before(async () => {
    cp = await startPlane({ adminToken: ADMIN_TOKEN });
  });
  after(async () => {
    await cp.close();
  });

  it("sets, shows and deletes a route table, each change a version bump", async () => {
    await call(cp.registration.register.bind(cp.registration), registerRequest({ service: "rt-a" }));
    assert.deepEqual(await getRoutes("rt-a"), { routes: undefined, version: 1 });
    assert.deepEqual(await setRoutes("rt-a", canaryRoutes()), { version: 2 });
    assert.deepEqual(await getRoutes("rt-a"), { routes: { ...canaryRoutes(), routeVersion: 2 }, version: 2 });
    const service = await call(cp.admin.getService.bind(cp.admin), { service: "rt-a" }, md());
    assert.deepEqual(service.routes, { ...canaryRoutes(), routeVersion: 2 });
    assert.deepEqual(await deleteRoutes("rt-a"), { found: true, version: 3 });
    assert.deepEqual(await getRoutes("rt-a"), { routes: undefined, version: 3 });
    assert.deepEqual(await deleteRoutes("rt-a"), { found: false, version: 3 });
  });

  it("keeps a service that has only a route table known to GetService and GetRoutes", async () => {
    await setRoutes("rt-only", splitRoutes(10));
    const service = await call(cp.admin.getService.bind(cp.admin), { service: "rt-only" }, md());
    assert.equal(service.routes?.routeVersion, 1);
    assert.deepEqual(service.endpoints, []);
  });

  it("answers GetRoutes for an unknown service with NOT_FOUND", async () => {
    const e = await callError(cp.admin.getRoutes.bind(cp.admin), { service: "rt-unknown" }, md());
    assert.equal(e.code, status.NOT_FOUND);
    assert.match(e.details, /ListServices/);
  });

  it("rejects a bad table with INVALID_ARGUMENT naming the field, and stores nothing", async () => {
    await setRoutes("rt-b", splitRoutes(10));
    const unknownSubset = canaryRoutes();
    const split = unknownSubset.rules[1];
    assert.ok(split?.destinations[1]);
    split.destinations[1].target = { $case: "subset", subset: "v3" };
    const badWeights = splitRoutes(20);
    assert.ok(badWeights.rules[0]?.destinations[0]);
    badWeights.rules[0].destinations[0].weight = 70;
    const toItself = RouteTable.fromPartial({
      rules: [
        { name: "loop", destinations: [{ weight: 100, target: { $case: "service", service: "rt-b" } }] },
      ],
    });
    const badService = RouteTable.fromPartial({
      rules: [
        { name: "out", destinations: [{ weight: 100, target: { $case: "service", service: "no/slash" } }] },
      ],
    });
    const cases: Array<[string, RouteTable | undefined, RegExp]> = [
      [
        "unknown subset",
        unknownSubset,
        /^routes\.rules\[1\]\.destinations\[1\]\.subset: "v3" is not a subset/,
      ],
      ["weights not adding up", badWeights, /^routes\.rules\[0\]\.destinations: weights add up to 90/],
      ["empty table", RouteTable.fromPartial({}), /^routes\.rules: needs at least one rule/],
      ["no table", undefined, /^routes: is required/],
      [
        "the routed service itself",
        toItself,
        /^routes\.rules\[0\]\.destinations\[0\]\.service: "rt-b" is the service/,
      ],
      ["a bad service name", badService, /^routes\.rules\[0\]\.destinations\[0\]\.service: "no\/slash"/],
    ];
    for (const [what, routes, message] of cases) {
      const e = await setRoutesError("rt-b", routes);
      assert.equal(e.code, status.INVALID_ARGUMENT, `${what}: ${e.details}`);
      assert.match(e.details, message, what);
    }
    const e = await setRoutesError("bad name", splitRoutes(10));
    assert.match(e.details, /^service: /);
    assert.deepEqual(await getRoutes("rt-b"), {
      routes: { ...splitRoutes(10), routeVersion: 1 },
      version: 1,
    });
  });

  it("checks a table with validate_only without storing it", async () => {
    await setRoutes("rt-c", splitRoutes(10));
    assert.deepEqual(await setRoutes("rt-c", splitRoutes(50), { validateOnly: true }), { version: 1 });
    assert.deepEqual((await getRoutes("rt-c")).routes, { ...splitRoutes(10), routeVersion: 1 });
    const e = await callError(
      cp.admin.setRoutes.bind(cp.admin),
      { service: "rt-c", routes: RouteTable.fromPartial({}), validateOnly: true },
      md(),
    );
    assert.equal(e.code, status.INVALID_ARGUMENT);
    // A service never seen stays unknown.
    assert.deepEqual(await setRoutes("rt-never", splitRoutes(10), { validateOnly: true }), { version: 0 });
    const unknown = await callError(cp.admin.getRoutes.bind(cp.admin), { service: "rt-never" }, md());
    assert.equal(unknown.code, status.NOT_FOUND);
  });

  it("applies SetRoutes and DeleteRoutes retried with one request_id once", async () => {
    const first = await setRoutes("rt-d", splitRoutes(10), { requestId: "rt-d-1" });
    assert.deepEqual(await setRoutes("rt-d", splitRoutes(10), { requestId: "rt-d-1" }), first);
    assert.deepEqual(await deleteRoutes("rt-d", { requestId: "rt-d-2" }), { found: true, version: 2 });
    assert.deepEqual(await deleteRoutes("rt-d", { requestId: "rt-d-2" }), { found: true, version: 2 });
    const e = await callError(
      cp.admin.deleteRoutes.bind(cp.admin),
      { service: "rt-d", requestId: "not an id" },
      md(),
    );
    assert.match(e.details, /^request_id: /);
  });

  it("takes route changes only with the admin token", async () => {
    for (const metadata of [new Metadata(), bearer("wrong")]) {
      const calls = [
        callError(
          cp.admin.setRoutes.bind(cp.admin),
          { service: "rt-e", routes: splitRoutes(10), validateOnly: false },
          metadata,
        ),
        callError(cp.admin.getRoutes.bind(cp.admin), { service: "rt-e" }, metadata),
        callError(cp.admin.deleteRoutes.bind(cp.admin), { service: "rt-e" }, metadata),
      ];
      for (const e of await Promise.all(calls)) assert.equal(e.code, status.UNAUTHENTICATED);
    }
    assert.equal((await cp.plane.store.getService("rt-e")).routes, undefined);
  });
});
