import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import {
  type KeepAliveRequest,
  type KeepAliveResponse,
  KeepAliveResponse_LeaseState as LeaseState,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import { pino } from "pino";
import {
  bearer,
  call,
  callError,
  type Running,
  registerRequest,
  startPlane,
} from "./helpers/control-plane.js";

describe("Registration", () => {
  let cp: Running;
  const register = (overrides = {}) =>
    call(cp.registration.register.bind(cp.registration), registerRequest(overrides));
  const registerError = (overrides = {}) =>
    callError(cp.registration.register.bind(cp.registration), registerRequest(overrides));

  const logged: Array<Record<string, unknown>> = [];
  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    cp = await startPlane({
      logger: pino({ level: "info" }, sink),
      minLeaseTtlMs: 1000,
      maxLeaseTtlMs: 30_000,
      defaultLeaseTtlMs: 5000,
      maxEndpointsPerService: 2,
    });
  });
  after(async () => {
    await cp.close();
  });

  const bad: ReadonlyArray<readonly [string, Record<string, unknown>, RegExp]> = [
    ["service", { service: "" }, /^service: is required/],
    ["service", { service: "a b" }, /^service: must be 1\.\.128/],
    ["service", { service: "x".repeat(129) }, /^service: /],
    ["host", { host: "" }, /^host: is required/],
    ["host", { host: "bad host!" }, /^host: /],
    ["host", { host: `${"a".repeat(64)}.example` }, /^host: /],
    ["port", { port: 0 }, /^port: must be between 1 and 65535/],
    ["port", { port: 70000 }, /^port: /],
    ["zone", { zone: "z".repeat(65) }, /^zone: /],
    ["weight", { weight: 1001 }, /^weight: must be between 1 and 1000/],
    [
      "metadata",
      { metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) },
      /^metadata: has 33 entries/,
    ],
    ["metadata key", { metadata: { ["k".repeat(64)]: "v" } }, /^metadata\["k+/],
    ["metadata value", { metadata: { k: "v".repeat(513) } }, /^metadata\["k"\]: value has 513 characters/],
    [
      "metadata size",
      { metadata: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v".repeat(500)])) },
      /^metadata: has \d+ bytes/,
    ],
    ["health", { health: 7 }, /^health: unknown health status 7/],
  ];
  for (const [name, overrides, message] of bad) {
    it(`rejects a bad ${name} with INVALID_ARGUMENT naming the field, writing nothing`, async () => {
      const e = await registerError({ service: "reject-me", ...overrides });
      assert.equal(e.code, status.INVALID_ARGUMENT);
      assert.match(e.details, message);
      const services = (await cp.plane.store.listServices()).map((s) => s.service);
      assert.ok(!services.includes("reject-me"), "nothing may be written on a bad request");
    });
  }

  it("accepts IPv4, IPv6 and DNS hosts, a zero weight as 1, and clamps the TTL", async () => {
    const a = await register({ service: "hosts", host: "::1", port: 1, ttlMs: 10 });
    assert.equal(a.endpointId, "[::1]:1");
    assert.equal(a.ttlMs, 1000);
    const b = await register({ service: "hosts", host: "api.internal.example", port: 2, ttlMs: 999_999 });
    assert.equal(b.ttlMs, 30_000);
    const state = await cp.plane.store.getService("hosts");
    assert.deepEqual(
      state.endpoints.map((e) => e.weight),
      [1, 1],
    );
    const c = await callError(
      cp.registration.register.bind(cp.registration),
      registerRequest({ service: "hosts", port: 3 }),
    );
    assert.equal(c.code, status.RESOURCE_EXHAUSTED, "a third endpoint passes the per-service limit of 2");
    assert.match(c.details, /max-endpoints-per-service/);
  });

  it("grants the default TTL when none is asked for and returns lease, version and epoch", async () => {
    const r = await register({ service: "defaults", port: 10 });
    assert.equal(r.ttlMs, 5000);
    assert.equal(r.endpointId, "10.0.0.1:10");
    assert.ok(r.leaseId.length > 0);
    assert.equal(r.version, 1);
    assert.equal(r.epoch, await cp.plane.store.epoch());
  });

  it("answers every KeepAlive with the lease state (ACTIVE, NOT_FOUND, REVOKED), several leases per stream", async () => {
    const a = await register({ service: "ka", port: 1 });
    const b = await register({ service: "ka", port: 2 });
    await call(cp.admin.removeEndpoint.bind(cp.admin), { service: "ka", endpointId: b.endpointId });
    const before = (await cp.plane.store.getService("ka")).version;
    const stream = cp.registration.keepAlive();
    const responses: KeepAliveResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on("data", (r: KeepAliveResponse) => responses.push(r));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    const send = (r: KeepAliveRequest) => stream.write(r);
    send({ leaseId: a.leaseId, health: HealthStatus.HEALTH_STATUS_UNSPECIFIED });
    send({ leaseId: a.leaseId, health: HealthStatus.HEALTH_STATUS_DRAINING });
    send({ leaseId: "no-such-lease", health: 0 });
    send({ leaseId: b.leaseId, health: 0 });
    stream.end();
    await done;
    assert.deepEqual(
      responses.map((r) => [r.leaseId === a.leaseId ? "a" : r.leaseId === b.leaseId ? "b" : "x", r.state]),
      [
        ["a", LeaseState.LEASE_STATE_ACTIVE],
        ["a", LeaseState.LEASE_STATE_ACTIVE],
        ["x", LeaseState.LEASE_STATE_NOT_FOUND],
        ["b", LeaseState.LEASE_STATE_REVOKED],
      ],
    );
    assert.equal(responses[0]?.version, before, "a renewal without a health change moves nothing");
    assert.ok(
      (responses[1]?.version ?? 0) > (responses[0]?.version ?? 0),
      "a health change bumps the version",
    );
    assert.equal(responses[0]?.ttlMs, 5000);
    const state = await cp.plane.store.getService("ka");
    assert.equal(state.endpoints[0]?.reportedHealth, "DRAINING");
  });

  it("ends a KeepAlive stream with INVALID_ARGUMENT naming lease_id when it is empty", async () => {
    const stream = cp.registration.keepAlive();
    const ended = new Promise<{ code: number; details: string }>((resolve) => {
      stream.on("data", () => undefined);
      stream.on("error", (e: { code: number; details: string }) => resolve(e));
    });
    stream.write({ leaseId: "", health: 0 });
    const e = await ended;
    assert.equal(e.code, status.INVALID_ARGUMENT);
    assert.match(e.details, /^lease_id: is required/);
  });

  it("deregisters at once, and reports found=false for an unknown lease", async () => {
    const r = await register({ service: "dereg", port: 1 });
    const d = await call(cp.registration.deregister.bind(cp.registration), { leaseId: r.leaseId });
    assert.equal(d.found, true);
    assert.equal(d.version, r.version + 1);
    assert.equal((await cp.plane.store.getService("dereg")).endpoints.length, 0);
    const line = logged.find((l) => l.msg === "endpoint deregistered");
    assert.deepEqual([line?.service, line?.endpoint], ["dereg", "10.0.0.1:1"], "the log line names both");
    const again = await call(cp.registration.deregister.bind(cp.registration), { leaseId: r.leaseId });
    assert.equal(again.found, false);
    const e = await callError(cp.registration.deregister.bind(cp.registration), { leaseId: "" });
    assert.equal(e.code, status.INVALID_ARGUMENT);
    assert.match(e.details, /^lease_id: /);
  });

  it("validates AwaitPropagation fields and completes at once with no subscribers", async () => {
    const ap = cp.registration.awaitPropagation.bind(cp.registration);
    assert.match((await callError(ap, { service: "", version: 1, timeoutMs: 0 })).details, /^service: /);
    assert.match((await callError(ap, { service: "s", version: 0, timeoutMs: 0 })).details, /^version: /);
    assert.match(
      (await callError(ap, { service: "s", version: 1, timeoutMs: 60_001 })).details,
      /^timeout_ms: /,
    );
    assert.deepEqual(await call(ap, { service: "nobody-watches", version: 1, timeoutMs: 0 }), {
      complete: true,
      subscribers: 0,
      acknowledged: 0,
    });
  });
});

describe("Registration over a live endpoint", () => {
  let cp: Running;
  const register = (overrides = {}, metadata?: import("@grpc/grpc-js").Metadata) =>
    call(cp.registration.register.bind(cp.registration), registerRequest(overrides), metadata);
  before(async () => {
    cp = await startPlane({ adminToken: "operator-secret" });
  });
  after(async () => {
    await cp.close();
  });

  it("refuses another caller's registration at a live address with ALREADY_EXISTS naming it", async () => {
    const owner = await register({ port: 9100 });
    const error = await callError(
      cp.registration.register.bind(cp.registration),
      registerRequest({ port: 9100, weight: 7 }),
    );
    assert.equal(error.code, status.ALREADY_EXISTS);
    assert.match(error.details, /10\.0\.0\.1:9100/);
    assert.match(error.details, /replaces_lease_id/);
    const state = await cp.plane.store.getService("user-service");
    assert.deepEqual(
      state.endpoints.filter((e) => e.port === 9100).map((e) => e.leaseId),
      [owner.leaseId],
    );
  });

  it("lets the instance holding the lease, or an operator with the admin token, replace it", async () => {
    const owner = await register({ port: 9200 });
    const again = await register({ port: 9200, replacesLeaseId: owner.leaseId });
    assert.notEqual(again.leaseId, owner.leaseId);
    const byOperator = await register({ port: 9200, weight: 3 }, bearer("operator-secret"));
    assert.notEqual(byOperator.leaseId, again.leaseId);
  });
});
