/**
 * One conformance suite for the Store contract, run against MemoryStore and against RedisStore
 * on a real redis-server. Both implementations must pass every test unchanged.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { FakeClock } from "@switchboard/core";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { type Change, effectiveHealth, MemoryStore, RedisStore, type Store } from "../src/store/index.js";
import { launchRedis, type RedisServerHandle, uniqueKeyPrefix } from "../src/testing/index.js";
import { canaryRoutes, splitRoutes } from "./support/route-fixtures.js";
import { recordFeed, registerOrFail, registration, T0 } from "./support/store-fixtures.js";

interface StoreFixture {
  readonly store: Store;
  /** Lets `ms` pass for the TTLs the store keeps itself (subscriber lists, revocations). */
  elapse(ms: number): Promise<void>;
}

interface FactoryOptions {
  readonly changeLogLength?: number;
  readonly serviceRetentionMs?: number;
}

type StoreFactory = (options: FactoryOptions) => Promise<StoreFixture>;

/** A published subscriber-table row. */
function subscriber(clientId: string, replicaId: string) {
  return {
    replicaId,
    clientId,
    zone: "eu-west-1a",
    sdkVersion: "0.1.0",
    peer: "127.0.0.1:40000",
    connectedAtMs: T0,
    epoch: "e1",
    subscriptions: [
      {
        service: "user-service",
        sentVersion: 4,
        ackedVersion: 3,
        nackCount: 1,
        lastNackVersion: 2,
        lastNackReason: "bad policy",
        ackedRouteVersion: 2,
      },
    ],
  };
}

function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    const opened: Store[] = [];
    const open = async (options: FactoryOptions = {}) => {
      const fixture = await factory(options);
      opened.push(fixture.store);
      await fixture.store.ready();
      return fixture;
    };
    after(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    it("registers an endpoint and grants a lease at version 1 of the current epoch", async () => {
      const { store } = await open();
      const result = await store.register(registration(), T0);
      assert.equal(result.status, "registered");
      if (result.status !== "registered") return;
      assert.equal(result.version, 1);
      assert.equal(result.epoch, await store.epoch());
      assert.ok(result.leaseId.length > 0);
      assert.deepEqual(result.endpoint, {
        id: "10.0.0.1:50051",
        service: "user-service",
        host: "10.0.0.1",
        port: 50051,
        zone: "eu-west-1a",
        weight: 1,
        metadata: { version: "1.4.2" },
        reportedHealth: "SERVING",
        adminDrained: false,
        leaseId: result.leaseId,
        ttlMs: 10_000,
        registeredAtMs: T0,
        renewedAtMs: T0,
        expiresAtMs: T0 + 10_000,
      });
      const state = await store.getService("user-service");
      assert.equal(state.version, 1);
      assert.deepEqual(state.endpoints, [result.endpoint]);
    });

    it("brackets an IPv6 host in the endpoint id", async () => {
      const { store } = await open();
      const result = await store.register(registration({ host: "::1", port: 7000 }), T0);
      assert.equal(result.status === "registered" && result.endpoint.id, "[::1]:7000");
    });

    it("reports an unknown service as version 0 with nothing in it", async () => {
      const { store } = await open();
      assert.deepEqual(await store.getService("nobody"), {
        service: "nobody",
        version: 0,
        endpoints: [],
        policy: undefined,
        routes: undefined,
        emptiedByAdmin: false,
      });
      assert.deepEqual(await store.changesSince("nobody", 0), []);
    });

    it("renews a lease without a health change by moving only its deadline", async () => {
      const { store } = await open();
      const leaseId = await registerOrFail(store, registration());
      const renewed = await store.renew(leaseId, undefined, T0 + 3000);
      assert.deepEqual(renewed, { status: "active", version: 1, ttlMs: 10_000, changed: false });
      const sameHealth = await store.renew(leaseId, "SERVING", T0 + 4000);
      assert.deepEqual(sameHealth, { status: "active", version: 1, ttlMs: 10_000, changed: false });
      const [endpoint] = (await store.getService("user-service")).endpoints;
      assert.equal(endpoint?.renewedAtMs, T0 + 4000);
      assert.equal(endpoint?.expiresAtMs, T0 + 14_000);
      assert.equal(endpoint?.registeredAtMs, T0);
      assert.deepEqual(await store.changesSince("user-service", 1), []);
    });

    it("renews many leases in one step, each with its own result, in order", async () => {
      const { store } = await open();
      const a = await registerOrFail(store, registration({ port: 1 }));
      const b = await registerOrFail(store, registration({ port: 2 }));
      const removed = await registerOrFail(store, registration({ port: 3 }));
      await store.removeEndpoint("user-service", "10.0.0.1:3", 60_000);
      const results = await store.renewMany(
        [
          { leaseId: a, health: undefined },
          { leaseId: "no-such-lease", health: undefined },
          { leaseId: b, health: "DRAINING" },
          { leaseId: removed, health: undefined },
        ],
        T0 + 5000,
      );
      assert.deepEqual(results, [
        { status: "active", version: 4, ttlMs: 10_000, changed: false },
        { status: "not_found" },
        { status: "active", version: 5, ttlMs: 10_000, changed: true },
        { status: "revoked" },
      ]);
      const endpoints = (await store.getService("user-service")).endpoints;
      assert.deepEqual(
        endpoints.map((e) => [e.port, e.expiresAtMs, e.reportedHealth]),
        [
          [1, T0 + 15_000, "SERVING"],
          [2, T0 + 15_000, "DRAINING"],
        ],
      );
      assert.deepEqual(await store.renewMany([], T0), []);
    });

    it("records a reported health change on renewal as a new version", async () => {
      const { store } = await open();
      const leaseId = await registerOrFail(store, registration());
      const renewed = await store.renew(leaseId, "NOT_SERVING", T0 + 1000);
      assert.deepEqual(renewed, { status: "active", version: 2, ttlMs: 10_000, changed: true });
      const changes = await store.changesSince("user-service", 1);
      assert.equal(changes?.length, 1);
      const change = changes?.[0];
      assert.equal(change?.kind, "endpoint_upserted");
      if (change?.kind !== "endpoint_upserted") return;
      assert.equal(change.version, 2);
      assert.equal(change.endpoint.reportedHealth, "NOT_SERVING");
      assert.equal(change.endpoint.renewedAtMs, T0 + 1000);
      assert.equal(change.endpoint.expiresAtMs, T0 + 11_000);
      const again = await store.renew(leaseId, "NOT_SERVING", T0 + 2000);
      assert.equal(again.status === "active" && again.version, 2);
    });

    it("deregisters an endpoint, after which its lease is unknown", async () => {
      const { store } = await open();
      const leaseId = await registerOrFail(store, registration());
      assert.deepEqual(await store.deregister(leaseId), {
        status: "ok",
        version: 2,
        changed: true,
        service: "user-service",
        endpointId: "10.0.0.1:50051",
      });
      assert.deepEqual(await store.changesSince("user-service", 1), [
        {
          kind: "endpoint_removed",
          service: "user-service",
          version: 2,
          endpointId: "10.0.0.1:50051",
          reason: "DEREGISTERED",
        },
      ]);
      assert.deepEqual(await store.renew(leaseId, undefined, T0 + 1), { status: "not_found" });
      assert.deepEqual(await store.deregister(leaseId), { status: "not_found" });
      assert.deepEqual((await store.getService("user-service")).endpoints, []);
    });

    it("replaces the endpoint when the same address registers again, ending the old lease", async () => {
      const { store } = await open();
      const oldLease = await registerOrFail(store, registration());
      const result = await store.register(registration({ weight: 5, replacesLeaseId: oldLease }), T0 + 500);
      assert.equal(result.status, "registered");
      if (result.status !== "registered") return;
      assert.notEqual(result.leaseId, oldLease);
      assert.equal(result.version, 2);
      assert.deepEqual(await store.renew(oldLease, undefined, T0 + 600), { status: "not_found" });
      assert.equal((await store.renew(result.leaseId, undefined, T0 + 600)).status, "active");
      const state = await store.getService("user-service");
      assert.equal(state.endpoints.length, 1);
      assert.equal(state.endpoints[0]?.weight, 5);
      assert.equal(state.endpoints[0]?.registeredAtMs, T0 + 500);
      // The old lease must not expire the new registration either.
      assert.deepEqual(await store.expireLeases(T0 + 10_000, 10), []);
    });

    it("refuses a registration beyond the endpoint limit without recording anything", async () => {
      const { store } = await open();
      const limit = 2;
      await registerOrFail(store, registration({ port: 1, maxEndpointsPerService: limit }));
      const second = await registerOrFail(store, registration({ port: 2, maxEndpointsPerService: limit }));
      const refused = await store.register(registration({ port: 3, maxEndpointsPerService: limit }), T0);
      assert.deepEqual(refused, { status: "limit_exceeded", limit: 2 });
      const state = await store.getService("user-service");
      assert.equal(state.version, 2);
      assert.deepEqual(
        state.endpoints.map((e) => e.port),
        [1, 2],
      );
      // An address already in the service replaces itself, so it is not one more endpoint.
      const again = await store.register(
        registration({ port: 2, maxEndpointsPerService: limit, replacesLeaseId: second }),
        T0,
      );
      assert.equal(again.status, "registered");
    });

    it("holds an endpoint in DRAINING by admin drain, whatever it reports, until undone", async () => {
      const { store } = await open();
      const leaseId = await registerOrFail(store, registration());
      assert.deepEqual(await store.setAdminDrain("user-service", "10.0.0.1:50051", true), {
        status: "ok",
        version: 2,
        changed: true,
      });
      const drained = (await store.getService("user-service")).endpoints[0];
      assert.ok(drained);
      assert.equal(drained.adminDrained, true);
      assert.equal(drained.reportedHealth, "SERVING");
      assert.equal(effectiveHealth(drained), "DRAINING");
      assert.equal((await store.renew(leaseId, "SERVING", T0 + 1)).status, "active");
      assert.deepEqual(await store.setAdminDrain("user-service", "10.0.0.1:50051", true), {
        status: "ok",
        version: 2,
        changed: false,
      });
      assert.deepEqual(await store.setAdminDrain("user-service", "10.0.0.1:50051", false), {
        status: "ok",
        version: 3,
        changed: true,
      });
      const released = (await store.getService("user-service")).endpoints[0];
      assert.ok(released);
      assert.equal(effectiveHealth(released), "SERVING");
      assert.deepEqual(await store.setAdminDrain("user-service", "10.9.9.9:1", true), {
        status: "not_found",
      });
    });

    it("keeps an admin drain when the instance restarts and registers the same address again", async () => {
      const { store } = await open();
      const leaseId = await registerOrFail(store, registration());
      await store.setAdminDrain("user-service", "10.0.0.1:50051", true);
      const result = await store.register(registration({ replacesLeaseId: leaseId }), T0 + 1000);
      assert.equal(result.status === "registered" && result.endpoint.adminDrained, true);
    });

    it("refuses to replace a live endpoint for a caller with neither its lease nor the admin scope", async () => {
      const { store } = await open();
      const owner = await registerOrFail(store, registration());
      const taken = await store.register(registration({ weight: 9 }), T0 + 4000);
      assert.deepEqual(taken, { status: "address_taken", endpointId: "10.0.0.1:50051", remainingMs: 6000 });
      const wrongLease = await store.register(registration({ replacesLeaseId: "not-the-lease" }), T0 + 4000);
      assert.equal(wrongLease.status, "address_taken");
      // Nothing changed: the owner's lease and record stand, and no version was spent.
      assert.equal((await store.renew(owner, undefined, T0 + 4000)).status, "active");
      const state = await store.getService("user-service");
      assert.equal(state.version, 1);
      assert.equal(state.endpoints[0]?.leaseId, owner);
      assert.equal(state.endpoints[0]?.weight, 1);
    });

    it("lets the admin scope take over a live endpoint, and anyone replace one whose lease ran out", async () => {
      const { store } = await open();
      const owner = await registerOrFail(store, registration());
      const admin = await store.register(registration({ weight: 2, takeover: true }), T0 + 1000);
      assert.equal(admin.status, "registered");
      assert.deepEqual(await store.renew(owner, undefined, T0 + 1000), { status: "not_found" });
      // Past its deadline (not yet swept), the address is free again.
      const late = await store.register(registration({ weight: 3 }), T0 + 1000 + 10_000);
      assert.equal(late.status === "registered" && late.endpoint.weight, 3);
    });

    it("applies a mutation repeated with the same request id once, answering the first result", async () => {
      const { store } = await open();
      const policy = Policy.fromPartial({ timeoutMs: 5 });
      const first = await store.setPolicy("billing", policy, { requestId: "req-1" });
      const again = await store.setPolicy("billing", policy, { requestId: "req-1" });
      assert.deepEqual(again, first);
      const registered = await store.register(registration({ requestId: "req-2" }), T0);
      const retried = await store.register(registration({ requestId: "req-2" }), T0 + 10);
      assert.deepEqual(retried, registered);
      const leaseId = registered.status === "registered" ? registered.leaseId : "";
      assert.deepEqual(await store.deregister(leaseId, { requestId: "req-3" }), {
        status: "ok",
        version: 2,
        changed: true,
        service: "user-service",
        endpointId: "10.0.0.1:50051",
      });
      assert.deepEqual(await store.deregister(leaseId, { requestId: "req-3" }), {
        status: "ok",
        version: 2,
        changed: true,
        service: "user-service",
        endpointId: "10.0.0.1:50051",
      });
      assert.equal((await store.getService("billing")).version, 1);
      assert.equal((await store.getService("user-service")).version, 2);
      // Without an id (or with a new one) a repeat is a new request.
      assert.deepEqual(await store.deregister(leaseId, { requestId: "req-4" }), { status: "not_found" });
    });

    it("forgets a service idle past the retention, and counts its versions on if it comes back", async () => {
      const { store } = await open({ serviceRetentionMs: 60_000 });
      const leaseId = await registerOrFail(store, registration());
      await store.renew(leaseId, "DRAINING", T0 + 1);
      await store.setPolicy("billing", Policy.fromPartial({ timeoutMs: 5 }));
      assert.equal((await store.expireLeases(T0 + 20_000, 10)).length, 1);
      // Idle since T0 + 20 s: kept for the retention, then forgotten.
      assert.deepEqual(await store.collectIdleServices(T0 + 79_999, 10), []);
      assert.deepEqual(await store.collectIdleServices(T0 + 80_000, 10), ["user-service"]);
      assert.deepEqual(await store.collectIdleServices(T0 + 80_000, 10), []);
      assert.deepEqual(
        (await store.listServices()).map((s) => s.service),
        ["billing"],
      );
      assert.deepEqual([...(await store.endpointCounts()).keys()], ["billing"]);
      // A reader still sees the last version, never a lower one; a return counts on from it.
      assert.equal((await store.getService("user-service")).version, 3);
      assert.deepEqual(await store.changesSince("user-service", 3), []);
      const back = await store.register(registration(), T0 + 90_000);
      assert.equal(back.status === "registered" && back.version, 4);
      // A service with a policy is never collected, however long it has no endpoint.
      assert.deepEqual(await store.collectIdleServices(T0 + 10_000_000, 10), []);
    });

    it("revokes the lease of a removed endpoint and marks a service emptied by admin", async () => {
      const { store } = await open();
      const first = await registerOrFail(store, registration({ port: 1 }));
      await registerOrFail(store, registration({ port: 2 }));
      assert.deepEqual(await store.removeEndpoint("user-service", "10.0.0.1:1", 60_000), {
        status: "ok",
        version: 3,
        changed: true,
      });
      assert.deepEqual(await store.renew(first, undefined, T0 + 1), { status: "revoked" });
      assert.equal((await store.getService("user-service")).emptiedByAdmin, false);
      await store.removeEndpoint("user-service", "10.0.0.1:2", 60_000);
      const emptied = await store.getService("user-service");
      assert.equal(emptied.emptiedByAdmin, true);
      assert.deepEqual(emptied.endpoints, []);
      const change = (await store.changesSince("user-service", 3))?.[0];
      assert.equal(change?.kind === "endpoint_removed" && change.reason, "ADMIN_REMOVED");
      await registerOrFail(store, registration({ port: 3 }));
      assert.equal((await store.getService("user-service")).emptiedByAdmin, false);
      assert.deepEqual(await store.removeEndpoint("user-service", "10.0.0.1:1", 60_000), {
        status: "not_found",
      });
    });

    it("forgets a revocation once revokeForMs has passed", async () => {
      const { store, elapse } = await open();
      const leaseId = await registerOrFail(store, registration());
      await store.removeEndpoint("user-service", "10.0.0.1:50051", 100);
      assert.deepEqual(await store.renew(leaseId, undefined, T0 + 1), { status: "revoked" });
      await elapse(150);
      assert.deepEqual(await store.renew(leaseId, undefined, T0 + 2), { status: "not_found" });
    });

    it("stores a policy with per-method overrides, returns it intact and deletes it", async () => {
      const { store } = await open();
      const policy = Policy.fromPartial({
        loadBalancing: { algorithm: 6, hashHeader: "x-user", ringSize: 2048 },
        retry: {
          maxAttempts: 3,
          retryableCodes: ["UNAVAILABLE"],
          backoffMultiplier: 1.5,
          budget: { ratio: 0.2 },
        },
        timeoutMs: 1500,
        methods: {
          "user.v1.UserService/GetUser": {
            timeoutMs: 250,
            rateLimit: { requestsPerSecond: 12.5, burst: 20 },
          },
          ListUsers: { retry: { maxAttempts: 1 } },
        },
      });
      assert.deepEqual(await store.setPolicy("user-service", policy), { version: 1 });
      assert.deepEqual((await store.getService("user-service")).policy, policy);
      const [change] = (await store.changesSince("user-service", 0)) ?? [];
      assert.deepEqual(change, { kind: "policy_set", service: "user-service", version: 1, policy });
      assert.equal((await store.listServices())[0]?.hasPolicy, true);
      assert.deepEqual(await store.deletePolicy("user-service"), { status: "ok", version: 2, changed: true });
      assert.equal((await store.getService("user-service")).policy, undefined);
      assert.deepEqual(await store.deletePolicy("user-service"), { status: "not_found" });
      assert.deepEqual(await store.deletePolicy("never-seen"), { status: "not_found" });
    });

    it("stores a route table at a new version, stamped with that version, and deletes it", async () => {
      const { store } = await open();
      await registerOrFail(store, registration());
      const routes = canaryRoutes();
      // A route version in the input is not the store's to keep: the version stored at is.
      assert.deepEqual(await store.setRoutes("user-service", { ...routes, routeVersion: 99 }), {
        version: 2,
      });
      const state = await store.getService("user-service");
      assert.equal(state.version, 2);
      assert.deepEqual(state.routes, { ...routes, routeVersion: 2 });
      const [change] = (await store.changesSince("user-service", 1)) ?? [];
      assert.deepEqual(change, {
        kind: "routes_set",
        service: "user-service",
        version: 2,
        routes: { ...routes, routeVersion: 2 },
      });
      // A policy change moves the version, not the route version.
      await store.setPolicy("user-service", Policy.fromPartial({ timeoutMs: 5 }));
      assert.equal((await store.getService("user-service")).routes?.routeVersion, 2);
      assert.deepEqual(await store.setRoutes("user-service", splitRoutes(20)), { version: 4 });
      assert.deepEqual((await store.getService("user-service")).routes, {
        ...splitRoutes(20),
        routeVersion: 4,
      });
      assert.deepEqual(await store.deleteRoutes("user-service"), { status: "ok", version: 5, changed: true });
      assert.equal((await store.getService("user-service")).routes, undefined);
      assert.deepEqual(await store.changesSince("user-service", 4), [
        { kind: "routes_deleted", service: "user-service", version: 5 },
      ]);
      assert.deepEqual(await store.deleteRoutes("user-service"), { status: "not_found" });
      assert.deepEqual(await store.deleteRoutes("never-seen"), { status: "not_found" });
    });

    it("applies a route change repeated with the same request id once", async () => {
      const { store } = await open();
      const first = await store.setRoutes("billing", splitRoutes(10), { requestId: "r-1" });
      assert.deepEqual(await store.setRoutes("billing", splitRoutes(50), { requestId: "r-1" }), first);
      assert.deepEqual((await store.getService("billing")).routes, { ...splitRoutes(10), routeVersion: 1 });
      const deleted = await store.deleteRoutes("billing", { requestId: "r-2" });
      assert.deepEqual(await store.deleteRoutes("billing", { requestId: "r-2" }), deleted);
      assert.equal((await store.getService("billing")).version, 2);
    });

    it("keeps a service with a route table however long it has no endpoint, and collects it once deleted", async () => {
      const { store } = await open({ serviceRetentionMs: 60_000 });
      await store.setRoutes("billing", splitRoutes(10));
      assert.deepEqual(await store.collectIdleServices(T0 + 10_000_000, 10), []);
      assert.deepEqual(
        (await store.listServices()).map((s) => s.service),
        ["billing"],
      );
      await store.deleteRoutes("billing");
      // Idle from the deletion on (the store's clock), so collected once the retention has passed.
      assert.deepEqual(await store.collectIdleServices(Date.now() + 10_000_000, 10), ["billing"]);
    });

    it("moves a service's version up by exactly one per change", async () => {
      const { store } = await open();
      const versions: number[] = [];
      const a = await store.register(registration({ port: 1 }), T0);
      const b = await store.register(registration({ port: 2 }), T0);
      versions.push(a.status === "registered" ? a.version : -1, b.status === "registered" ? b.version : -1);
      versions.push((await store.setPolicy("user-service", Policy.fromPartial({ timeoutMs: 10 }))).version);
      const drain = await store.setAdminDrain("user-service", "10.0.0.1:1", true);
      versions.push(drain.status === "ok" ? drain.version : -1);
      const leaseB = b.status === "registered" ? b.leaseId : "";
      const renewed = await store.renew(leaseB, "DRAINING", T0 + 1);
      versions.push(renewed.status === "active" ? renewed.version : -1);
      const removed = await store.deregister(leaseB);
      versions.push(removed.status === "ok" ? removed.version : -1);
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6]);
      // Other services count on their own.
      const other = await store.register(registration({ service: "order-service" }), T0);
      assert.equal(other.status === "registered" && other.version, 1);
    });

    it("answers changesSince with [] when current, the missed changes in order, or undefined past the log", async () => {
      const { store } = await open({ changeLogLength: 3 });
      for (const port of [1, 2, 3, 4, 5]) await registerOrFail(store, registration({ port }));
      assert.deepEqual(await store.changesSince("user-service", 5), []);
      const missed = await store.changesSince("user-service", 2);
      assert.deepEqual(
        missed?.map((c) => [c.kind, c.version, c.kind === "endpoint_upserted" ? c.endpoint.port : 0]),
        [
          ["endpoint_upserted", 3, 3],
          ["endpoint_upserted", 4, 4],
          ["endpoint_upserted", 5, 5],
        ],
      );
      assert.equal(await store.changesSince("user-service", 1), undefined);
      assert.equal(await store.changesSince("user-service", 0), undefined);
      assert.equal(await store.changesSince("user-service", 6), undefined, "a version from the future");
    });

    it("expires exactly the leases whose deadline has passed, oldest first, up to the limit", async () => {
      const { store } = await open();
      const short = await registerOrFail(store, registration({ port: 1, ttlMs: 1000 }));
      const medium = await registerOrFail(store, registration({ port: 2, ttlMs: 2000 }));
      const renewed = await registerOrFail(store, registration({ port: 3, ttlMs: 1000 }));
      await registerOrFail(store, registration({ port: 4, ttlMs: 60_000 }));
      await store.renew(renewed, undefined, T0 + 900);
      assert.deepEqual(await store.expireLeases(T0 + 999, 10), [], "nothing is due before its deadline");
      const first = await store.expireLeases(T0 + 2000, 1);
      assert.deepEqual(first, [
        { service: "user-service", endpointId: "10.0.0.1:1", leaseId: short, version: 5 },
      ]);
      const rest = await store.expireLeases(T0 + 2000, 10);
      assert.deepEqual(
        rest.map((e) => [e.endpointId, e.leaseId, e.version]),
        [
          ["10.0.0.1:3", renewed, 6],
          ["10.0.0.1:2", medium, 7],
        ],
      );
      assert.deepEqual(await store.expireLeases(T0 + 2000, 10), []);
      const state = await store.getService("user-service");
      assert.deepEqual(
        state.endpoints.map((e) => e.port),
        [4],
      );
      const reasons = (await store.changesSince("user-service", 4))?.map((c) =>
        c.kind === "endpoint_removed" ? c.reason : c.kind,
      );
      assert.deepEqual(reasons, ["EXPIRED", "EXPIRED", "EXPIRED"]);
      assert.deepEqual(await store.renew(short, undefined, T0 + 2001), { status: "not_found" });
    });

    it("feeds every change to subscribers in order, tagged with the epoch", async () => {
      const { store } = await open();
      const feed = recordFeed(store);
      const leaseId = await registerOrFail(store, registration());
      await store.renew(leaseId, undefined, T0 + 1);
      await store.renew(leaseId, "DRAINING", T0 + 2);
      await store.setPolicy("user-service", Policy.fromPartial({ timeoutMs: 100 }));
      await store.deletePolicy("user-service");
      await store.deregister(leaseId);
      const notices = await feed.waitFor(5);
      const epoch = await store.epoch();
      assert.deepEqual(
        notices.map((n) => [n.kind, n.version, n.epoch]),
        [
          ["endpoint_upserted", 1, epoch],
          ["endpoint_upserted", 2, epoch],
          ["policy_set", 3, epoch],
          ["policy_deleted", 4, epoch],
          ["endpoint_removed", 5, epoch],
        ],
      );
      const { epoch: _epoch, ...firstChange } = notices[0] ?? { epoch: "" };
      assert.deepEqual(
        [firstChange],
        ((await store.changesSince("user-service", 0)) ?? []).slice(0, 1) as Change[],
      );
      feed.stop();
    });

    it("delivers notices after the mutating call, never inside it", async () => {
      const { store } = await open();
      const feed = recordFeed(store);
      const pending = store.register(registration(), T0);
      assert.equal(feed.notices.length, 0, "a listener must not run inside register()");
      await pending;
      await feed.waitFor(1);
      feed.stop();
    });

    it("stops feeding a listener once it unsubscribes", async () => {
      const { store } = await open();
      const kept = recordFeed(store);
      const dropped = recordFeed(store);
      await registerOrFail(store, registration({ port: 1 }));
      await kept.waitFor(1);
      await dropped.waitFor(1);
      dropped.stop();
      await registerOrFail(store, registration({ port: 2 }));
      await kept.waitFor(2);
      assert.equal(dropped.notices.length, 1);
      kept.stop();
    });

    it("publishes, replaces and lists subscriber lists per replica until their TTL lapses", async () => {
      const { store, elapse } = await open();
      await store.publishSubscribers("replica-a", [subscriber("c1", "replica-a")], 60_000);
      await store.publishSubscribers("replica-b", [subscriber("c2", "replica-b")], 100);
      assert.deepEqual(await store.listSubscribers(), [
        subscriber("c1", "replica-a"),
        subscriber("c2", "replica-b"),
      ]);
      await store.publishSubscribers("replica-a", [subscriber("c3", "replica-a")], 60_000);
      assert.deepEqual(
        (await store.listSubscribers()).map((s) => s.clientId),
        ["c3", "c2"],
      );
      await elapse(150);
      assert.deepEqual(
        (await store.listSubscribers()).map((s) => s.clientId),
        ["c3"],
      );
    });

    it("takes a subscriber table already encoded as JSON, and refuses one that is not an array", async () => {
      const { store } = await open();
      const table = [subscriber("c1", "replica-a"), subscriber("c2", "replica-a")];
      await store.publishSubscribers("replica-a", { json: JSON.stringify(table) }, 60_000);
      assert.deepEqual(await store.listSubscribers(), table);
      await assert.rejects(store.publishSubscribers("replica-a", { json: "{}" }, 60_000));
      assert.deepEqual(await store.listSubscribers(), table);
    });

    it("lists every known service with endpoint counts by effective health", async () => {
      const { store } = await open();
      const serving = await registerOrFail(store, registration({ port: 1 }));
      const notServing = await registerOrFail(store, registration({ port: 2, health: "NOT_SERVING" }));
      await registerOrFail(store, registration({ port: 3 }));
      await store.setAdminDrain("user-service", "10.0.0.1:3", true);
      await registerOrFail(store, registration({ service: "order-service", health: "DRAINING" }));
      await store.setPolicy("billing", Policy.fromPartial({ timeoutMs: 5 }));
      assert.ok(serving && notServing);
      assert.deepEqual(await store.listServices(), [
        {
          service: "billing",
          version: 1,
          endpoints: 0,
          serving: 0,
          notServing: 0,
          draining: 0,
          hasPolicy: true,
        },
        {
          service: "order-service",
          version: 1,
          endpoints: 1,
          serving: 0,
          notServing: 0,
          draining: 1,
          hasPolicy: false,
        },
        {
          service: "user-service",
          version: 4,
          endpoints: 3,
          serving: 1,
          notServing: 1,
          draining: 1,
          hasPolicy: false,
        },
      ]);
    });

    it("rejects calls after close with UNAVAILABLE", async () => {
      const { store } = await open();
      await store.close();
      await assert.rejects(store.getService("user-service"), { code: 14 });
    });
  });
}

describeStoreConformance("MemoryStore", async ({ changeLogLength, serviceRetentionMs }) => {
  const clock = new FakeClock(T0);
  return {
    store: new MemoryStore({ clock, changeLogLength, serviceRetentionMs }),
    elapse: async (ms) => clock.advance(ms),
  };
});

let redis: RedisServerHandle | undefined;
const prefixes: string[] = [];
before(async () => {
  redis = await launchRedis();
});
after(async () => {
  // A server from REDIS_URL outlives the run: leave it as it was found.
  await Promise.all(prefixes.map((prefix) => redis?.dropKeys(prefix)));
  await redis?.stop();
});

describeStoreConformance("RedisStore", async ({ changeLogLength, serviceRetentionMs }) => {
  if (redis === undefined) throw new Error("redis-server did not start");
  const keyPrefix = uniqueKeyPrefix();
  prefixes.push(keyPrefix);
  return {
    // Lease time from the caller, as the memory store keeps it, so both run the same script.
    store: new RedisStore({
      url: redis.url,
      keyPrefix,
      changeLogLength,
      serviceRetentionMs,
      leaseClock: "caller",
    }),
    // Redis expires keys on its own clock, so real time has to pass.
    elapse: (ms) => sleep(ms),
  };
});
