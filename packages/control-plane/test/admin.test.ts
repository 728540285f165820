import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { LoadBalancing_Algorithm } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import { call, callError, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";

describe("Admin", () => {
  let cp: Running;
  const admin = () => cp.admin;
  const register = (overrides = {}) =>
    call(cp.registration.register.bind(cp.registration), registerRequest(overrides));

  before(async () => {
    cp = await startPlane();
  });
  after(async () => {
    await cp.close();
  });

  it("answers GetService for an unknown service with NOT_FOUND", async () => {
    const e = await callError(admin().getService.bind(admin()), { service: "nope" });
    assert.equal(e.code, status.NOT_FOUND);
    assert.match(e.details, /ListServices/);
  });

  it("validates every request field with INVALID_ARGUMENT naming it", async () => {
    const a = admin();
    const cases: Array<[Promise<{ code: number; details: string }>, RegExp]> = [
      [callError(a.getService.bind(a), { service: "" }), /^service: /],
      [
        callError(a.setPolicy.bind(a), { service: "bad/name", policy: { methods: {} }, validateOnly: false }),
        /^service: /,
      ],
      [
        callError(a.setPolicy.bind(a), { service: "s", policy: undefined, validateOnly: false }),
        /^policy: is required/,
      ],
      [callError(a.deletePolicy.bind(a), { service: "" }), /^service: /],
      [
        callError(a.drainEndpoint.bind(a), { service: "s", endpointId: "", undo: false }),
        /^endpoint_id: is required/,
      ],
      [
        callError(a.drainEndpoint.bind(a), { service: "s", endpointId: "no-port", undo: false }),
        /^endpoint_id: must be "host:port"/,
      ],
      [callError(a.removeEndpoint.bind(a), { service: "s", endpointId: "h:0" }), /^endpoint_id: /],
      [callError(a.listSubscribers.bind(a), { service: "bad name" }), /^service: /],
    ];
    for (const [p, message] of cases) {
      const e = await p;
      assert.equal(e.code, status.INVALID_ARGUMENT, e.details);
      assert.match(e.details, message);
    }
  });

  it("rejects a bad policy naming the proto field, stores nothing, and honours validate_only", async () => {
    const a = admin();
    const bad = await callError(a.setPolicy.bind(a), {
      service: "pol",
      policy: { methods: { "pkg.Svc/Get": { retry: { maxAttempts: 9, retryableCodes: [] } } } },
      validateOnly: false,
    });
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.equal(
      bad.details,
      'policy.methods["pkg.Svc/Get"].retry.max_attempts: must be between 1 and 5 (got 9)',
    );
    const codes = await callError(a.setPolicy.bind(a), {
      service: "pol",
      policy: { circuitBreaker: { failureCodes: ["NOPE"] }, methods: {} },
      validateOnly: false,
    });
    assert.match(codes.details, /^policy\.circuit_breaker\.failure_codes\[0\]: /);
    assert.equal((await cp.plane.store.getService("pol")).version, 0, "nothing stored");
    const dry = await call(a.setPolicy.bind(a), {
      service: "pol",
      policy: { timeoutMs: 100, methods: {} },
      validateOnly: true,
    });
    assert.equal(dry.version, 0);
    assert.equal((await cp.plane.store.getService("pol")).policy, undefined);
  });

  it("sets, shows and deletes a policy, each a version bump", async () => {
    const a = admin();
    const policy = {
      loadBalancing: { algorithm: LoadBalancing_Algorithm.ALGORITHM_LEAST_REQUEST, hashHeader: "" },
      methods: { "pkg.Svc/Get": { timeoutMs: 50 } },
    };
    const set = await call(a.setPolicy.bind(a), { service: "pol2", policy, validateOnly: false });
    assert.equal(set.version, 1);
    const got = await call(a.getService.bind(a), { service: "pol2" });
    assert.equal(got.policy?.loadBalancing?.algorithm, LoadBalancing_Algorithm.ALGORITHM_LEAST_REQUEST);
    assert.equal(got.policy?.methods["pkg.Svc/Get"]?.timeoutMs, 50);
    assert.equal(got.epoch, await cp.plane.store.epoch());
    const del = await call(a.deletePolicy.bind(a), { service: "pol2" });
    assert.deepEqual(del, { found: true, version: 2 });
    const again = await call(a.deletePolicy.bind(a), { service: "pol2" });
    assert.deepEqual(again, { found: false, version: 2 });
  });

  it("lists services and shows endpoints with effective and reported health, zone, weight and lease times", async () => {
    const a = admin();
    const r = await register({ service: "shown", port: 7, zone: "eu-1", weight: 5, metadata: { v: "1" } });
    await call(a.drainEndpoint.bind(a), { service: "shown", endpointId: r.endpointId, undo: false });
    const got = await call(a.getService.bind(a), { service: "shown" });
    const e = got.endpoints[0];
    assert.ok(e);
    assert.equal(e.endpoint?.health, HealthStatus.HEALTH_STATUS_DRAINING);
    assert.equal(e.endpoint?.adminDrained, true);
    assert.equal(e.reportedHealth, HealthStatus.HEALTH_STATUS_SERVING);
    assert.equal(e.endpoint?.zone, "eu-1");
    assert.equal(e.endpoint?.weight, 5);
    assert.deepEqual(e.endpoint?.metadata, { v: "1" });
    assert.ok(e.registeredAt instanceof Date && e.expiresAt instanceof Date && e.renewedAt instanceof Date);
    assert.ok(e.leaseAgeMs >= 0);
    const undo = await call(a.drainEndpoint.bind(a), {
      service: "shown",
      endpointId: r.endpointId,
      undo: true,
    });
    assert.equal(undo.version, got.version + 1);
    const list = await call(a.listServices.bind(a), {});
    const summary = list.services.find((s) => s.service === "shown");
    assert.deepEqual(summary, {
      service: "shown",
      version: undo.version,
      endpoints: 1,
      serving: 1,
      notServing: 0,
      draining: 0,
      hasPolicy: false,
    });
  });

  it("removes an endpoint and revokes its lease; unknown endpoints are NOT_FOUND", async () => {
    const a = admin();
    const r = await register({ service: "removed", port: 8 });
    const res = await call(a.removeEndpoint.bind(a), { service: "removed", endpointId: r.endpointId });
    assert.equal(res.version, r.version + 1);
    const state = await cp.plane.store.getService("removed");
    assert.equal(state.endpoints.length, 0);
    assert.equal(state.emptiedByAdmin, true);
    const renew = await cp.plane.store.renew(r.leaseId, undefined, Date.now());
    assert.equal(renew.status, "revoked");
    const missing = await callError(a.removeEndpoint.bind(a), {
      service: "removed",
      endpointId: r.endpointId,
    });
    assert.equal(missing.code, status.NOT_FOUND);
    const drainMissing = await callError(a.drainEndpoint.bind(a), {
      service: "removed",
      endpointId: "10.9.9.9:1",
      undo: false,
    });
    assert.equal(drainMissing.code, status.NOT_FOUND);
  });
});
