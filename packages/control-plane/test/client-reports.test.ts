/**
 * Client reports on a raw Discovery Watch stream: the flood cut-off, bounds, and the report
 * showing in Admin.GetServiceHealth.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import type { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { call, callError, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";

function report(over: Partial<ClientReport> = {}): ClientReport {
  return {
    service: "user-service",
    policyVersion: 1,
    routeVersion: 0,
    intervalMs: 5000,
    windowMs: 5000,
    serviceBreaker: 0,
    endpoints: [{ id: "10.0.0.1:8080", ejected: true, connectivity: 3, calls: 8, errors: 6 }],
    methods: [],
    endpointsOmitted: 0,
    methodsOmitted: 0,
    ...over,
  };
}

/** A stream that said hello and holds the snapshot of `service`. */
async function subscribed(cp: Running, clientId: string, service = "user-service"): Promise<WatchClient> {
  const watch = new WatchClient(cp.discovery);
  watch.hello(clientId, { zone: "zone-b" });
  watch.subscribe(service);
  watch.ack(await watch.next());
  return watch;
}

describe("client reports on the Watch stream", () => {
  let cp: Running;
  before(async () => {
    cp = await startPlane();
    await call(cp.registration.register.bind(cp.registration), registerRequest());
    const health = registerRequest({ service: "health-service", host: "10.0.0.2" });
    await call(cp.registration.register.bind(cp.registration), health);
  });
  after(async () => {
    await cp?.close();
  });

  it("ends a stream that sends more than 10 reports a second with RESOURCE_EXHAUSTED", async () => {
    const watch = await subscribed(cp, "flooder");
    for (let i = 0; i < 40; i++) watch.send({ kind: { $case: "report", report: report() } });
    const end = await watch.status();
    assert.equal(end.code, status.RESOURCE_EXHAUSTED, end.details);
    assert.match(end.details, /client reports: more than 10 per second/);
  });

  it("keeps a stream that reports within its budget", async () => {
    const watch = await subscribed(cp, "steady");
    for (let i = 0; i < 15; i++) watch.send({ kind: { $case: "report", report: report() } });
    // The stream still answers: a subscription to another service gets its snapshot.
    watch.subscribe("other-service");
    const r = await watch.next();
    assert.equal(r.kind?.$case, "snapshot");
    assert.equal(watch.ended, undefined);
    watch.close();
  });

  it("refuses a report past its bounds with INVALID_ARGUMENT naming the field", async () => {
    const watch = await subscribed(cp, "too-big");
    const endpoints = Array.from({ length: 257 }, (_, i) => ({
      id: `10.0.1.${i % 250}:${1000 + i}`,
      ejected: false,
      connectivity: 3,
      calls: 0,
      errors: 0,
    }));
    watch.send({ kind: { $case: "report", report: report({ endpoints }) } });
    const end = await watch.status();
    assert.equal(end.code, status.INVALID_ARGUMENT);
    assert.match(end.details, /^report\.endpoints: at most 256 per report/);
  });

  it("shows a client's report in GetServiceHealth: who ejects what, and what the client runs", async () => {
    const watch = await subscribed(cp, "reporter-1", "health-service");
    const endpoints = [{ id: "10.0.0.2:8080", ejected: true, connectivity: 3, calls: 8, errors: 6 }];
    watch.send({ kind: { $case: "report", report: report({ service: "health-service", endpoints }) } });
    // A report about a service the stream does not subscribe to is dropped.
    watch.send({ kind: { $case: "report", report: report({ service: "not-subscribed" }) } });
    const admin = cp.admin;
    const request = { service: "health-service" };
    let view = await call(admin.getServiceHealth.bind(admin), request);
    for (let i = 0; i < 100 && view.reportingClients === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      view = await call(admin.getServiceHealth.bind(admin), request);
    }
    assert.equal(view.reportingClients, 1);
    const client = view.clients.find((c) => c.clientId === "reporter-1");
    assert.equal(client?.zone, "zone-b");
    assert.equal(client?.replicaId, cp.plane.replicaId);
    assert.equal(client?.ejectedEndpoints, 1);
    assert.deepEqual(
      view.endpoints.map((e) => [e.endpointId, e.registered, e.ejectedBy, e.errorRate]),
      [["10.0.0.2:8080", true, 1, 0.75]],
    );
    const unknown = await callError(admin.getServiceHealth.bind(admin), { service: "not-subscribed" });
    assert.equal(unknown.code, status.NOT_FOUND);
    const bad = await callError(admin.getServiceHealth.bind(admin), { service: "" });
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    watch.close();
  });
});
