/**
 * The fleet view: merging the clients' latest reports (ejected by N of M, circuit open in K of M,
 * error rates, what each client runs), ageing stale ones, and sharing them between replicas.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "@switchboard/core";
import type { ClientReport, EndpointReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { HealthStatus, ReportedBreakerState } from "@switchboard/core/gen/switchboard/v1/types.js";
import type { FleetRecord } from "../src/fleet/fleet-record.js";
import { FleetReports } from "../src/fleet/fleet-reports.js";
import { mergeServiceHealth } from "../src/fleet/service-health.js";
import { MemoryStore, type ServiceState } from "../src/store/index.js";
import { T0 } from "./support/store-fixtures.js";

const OPEN = ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN;
const CLOSED = ReportedBreakerState.REPORTED_BREAKER_STATE_CLOSED;

function ep(id: string, ejected: boolean, calls = 10, errors = 0): EndpointReport {
  return { id, ejected, connectivity: 3, calls, errors };
}

function report(endpoints: EndpointReport[], over: Partial<ClientReport> = {}): ClientReport {
  return {
    service: "echo",
    policyVersion: 4,
    routeVersion: 0,
    intervalMs: 5000,
    windowMs: 5000,
    serviceBreaker: CLOSED,
    endpoints,
    methods: [],
    endpointsOmitted: 0,
    methodsOmitted: 0,
    ...over,
  };
}

function record(
  clientId: string,
  receivedAtMs: number,
  r: ClientReport,
  replicaId = "replica-a",
): FleetRecord {
  return { clientId, zone: "zone-a", sdkVersion: "1.2.3", replicaId, receivedAtMs, report: r };
}

function registered(ids: string[]): ServiceState {
  const endpoints = ids.map((id) => ({
    id,
    host: id.split(":")[0] ?? "",
    port: Number(id.split(":")[1]),
    zone: "",
    weight: 1,
    metadata: {},
    service: "echo",
    reportedHealth: "SERVING" as const,
    adminDrained: false,
    leaseId: `lease-${id}`,
    ttlMs: 10_000,
    registeredAtMs: T0,
    renewedAtMs: T0,
    expiresAtMs: T0 + 10_000,
  }));
  return {
    service: "echo",
    version: 9,
    endpoints,
    policy: undefined,
    routes: undefined,
    emptiedByAdmin: false,
  };
}

describe("the fleet view of a service", () => {
  it("counts, per endpoint, the clients that eject it and the error rate they see", () => {
    const records = [
      record("c1", T0, report([ep("a:1", true, 10, 10), ep("b:1", false, 10, 0)])),
      record("c2", T0, report([ep("a:1", true, 5, 5), ep("b:1", false, 10, 1)])),
      record("c3", T0, report([ep("a:1", false, 5, 0), ep("b:1", false, 10, 0), ep("gone:1", true, 0, 0)])),
    ];
    const view = mergeServiceHealth(registered(["a:1", "b:1"]), records, T0 + 1000);
    assert.equal(view.reportingClients, 3);
    assert.equal(view.version, 9);
    const [a, b, gone] = view.endpoints;
    assert.deepEqual([a?.endpointId, a?.ejectedBy, a?.reportedBy, a?.errorRate], ["a:1", 2, 3, 0.75]);
    assert.equal(a?.health, HealthStatus.HEALTH_STATUS_SERVING);
    assert.deepEqual([b?.endpointId, b?.ejectedBy, b?.calls, b?.errors], ["b:1", 0, 30, 1]);
    assert.deepEqual([gone?.endpointId, gone?.registered, gone?.ejectedBy], ["gone:1", false, 1]);
  });

  it("counts, per method, the clients whose circuit is open, and says what each client runs", () => {
    const method = (breaker: ReportedBreakerState, calls: number, failed: number) => ({
      method: "echo.v1.EchoService/Echo",
      breaker,
      calls,
      errors: failed ? [{ code: 14, count: failed }] : [],
      retries: 0,
      rateLimited: 0,
      latencyP50Ms: 1,
      latencyP99Ms: 2,
    });
    const records = [
      record("c1", T0, report([], { methods: [method(OPEN, 4, 4)], serviceBreaker: OPEN })),
      record("c2", T0 - 2000, report([], { methods: [method(CLOSED, 6, 0)], policyVersion: 3 }), "replica-b"),
    ];
    const view = mergeServiceHealth(registered([]), records, T0);
    assert.deepEqual(
      view.methods.map((m) => [m.method, m.openIn, m.reportedBy, m.errorRate]),
      [["echo.v1.EchoService/Echo", 1, 2, 0.4]],
    );
    assert.equal(view.serviceBreakerOpenIn, 1);
    assert.deepEqual(
      view.clients.map((c) => [c.clientId, c.replicaId, c.policyVersion, c.lastReportAgeMs, c.sdkVersion]),
      [
        ["c1", "replica-a", 4, 0, "1.2.3"],
        ["c2", "replica-b", 3, 2000, "1.2.3"],
      ],
    );
  });

  it("leaves out a report older than three of its client's intervals", () => {
    const records = [
      record("fast", T0, report([ep("a:1", true)], { intervalMs: 1000 })),
      record("slow", T0, report([ep("a:1", true)], { intervalMs: 10_000 })),
    ];
    const state = registered(["a:1"]);
    assert.equal(mergeServiceHealth(state, records, T0 + 3000).endpoints[0]?.ejectedBy, 2);
    const later = mergeServiceHealth(state, records, T0 + 3001);
    assert.equal(later.endpoints[0]?.ejectedBy, 1);
    assert.deepEqual(
      later.clients.map((c) => c.clientId),
      ["slow"],
    );
    assert.equal(mergeServiceHealth(state, records, T0 + 30_001).reportingClients, 0);
  });
});

describe("fleet reports across replicas", () => {
  function replica(store: MemoryStore, clock: FakeClock) {
    return new FleetReports({ store, clock, publishIntervalMs: 60_000, onStoreError: () => {} });
  }

  it("merges the reports each replica received and published, the newest per client winning", async () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore({ clock });
    const a = replica(store, clock);
    const b = replica(store, clock);
    a.receive(record("c1", T0, report([ep("a:1", true)])));
    b.receive(record("c2", T0, report([ep("a:1", false)]), "replica-b"));
    assert.deepEqual(
      (await a.recordsOf("echo")).map((r) => r.clientId),
      ["c1"],
      "a replica's own reports count at once",
    );
    await a.flush();
    await b.flush();
    // c1 moved to replica b and reported again.
    clock.advance(1000);
    b.receive(record("c1", T0 + 1000, report([ep("a:1", false)]), "replica-b"));
    await b.flush();
    const seen = await a.recordsOf("echo");
    assert.deepEqual(seen.map((r) => [r.clientId, r.replicaId, r.report.endpoints[0]?.ejected]).sort(), [
      ["c1", "replica-b", false],
      ["c2", "replica-b", false],
    ]);
    await a.stop();
    await b.stop();
  });

  it("ages reports out on a fake clock: the view drops them after three intervals", async () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore({ clock });
    const a = replica(store, clock);
    a.receive(record("c1", T0, report([ep("a:1", true)])));
    await a.flush();
    const state = registered(["a:1"]);
    clock.advance(15_000);
    assert.equal(
      mergeServiceHealth(state, await a.recordsOf("echo"), clock.now()).endpoints[0]?.ejectedBy,
      1,
    );
    clock.advance(1);
    assert.equal(mergeServiceHealth(state, await a.recordsOf("echo"), clock.now()).reportingClients, 0);
    await a.stop();
  });
});
