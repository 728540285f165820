/**
 * The fleet view end to end: three mesh clients (distinct client ids) call a service of three
 * echo instances; one instance fails every call. Every client ejects it and reports so, and
 * Admin.GetServiceHealth shows it ejected by 3 of 3 clients; once it recovers and the ejection
 * time has passed, by 0 of 3.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, status } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { Registry } from "prom-client";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  eventually,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";
import { LoadLoop } from "./support/load.js";

const SERVICE = "fleet-echo";
const CLIENTS = ["fleet-a", "fleet-b", "fleet-c"];
const OPEN_DURATION_MS = 2000;

describe("the fleet view of a service", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  let instances: EchoInstance[] = [];
  const meshes: MeshClient[] = [];
  const clients: EchoServiceClient[] = [];
  const loads: LoadLoop[] = [];

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    await admin.setPolicy(SERVICE, {
      outlierDetection: {
        breaker: { consecutiveFailures: 3, openDurationMs: OPEN_DURATION_MS },
        maxEjectionPercent: 50,
      },
      retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 },
    });
    instances = await Promise.all([0, 1, 2].map(() => startEchoInstance(cp.address, { service: SERVICE })));
    for (const name of CLIENTS) {
      const mesh = createMeshClient({
        controlPlane: cp.address,
        clientId: name,
        name,
        zone: "zone-a",
        logger: silent,
        registry: new Registry(),
        reportIntervalMs: 1000,
      });
      meshes.push(mesh);
      await mesh.waitForService(SERVICE);
      await eventually(() => mesh.endpoints(SERVICE).length === 3, 5000, `three endpoints in ${name}`);
      clients.push(new EchoServiceClient(`mesh://${name}/${SERVICE}`, credentials.createInsecure()));
    }
  });

  after(async () => {
    await Promise.all(loads.map((l) => l.stop()));
    for (const c of clients) c.close();
    await Promise.all(meshes.map((m) => m.close()));
    await Promise.all(instances.map((i) => i.server.drain()));
    admin?.close();
    await cp?.stop();
  });

  it("shows a failing instance ejected by 3 of 3 clients within 10 s, and by 0 of 3 once it recovers", async () => {
    const bad = instances[0] as EchoInstance;
    bad.behaviour.failWithCode = status.UNAVAILABLE;
    for (const client of clients) loads.push(new LoadLoop(client, 2));

    const ejectedBy = async () => {
      const view = await admin.getServiceHealth(SERVICE);
      const row = view.endpoints.find((e) => e.endpointId === bad.address);
      return { view, ejectedBy: row?.ejectedBy ?? -1, errors: row?.errors ?? 0 };
    };
    const failingAt = Date.now();
    await eventually(async () => (await ejectedBy()).ejectedBy === 3, 10_000, "ejected by 3 of 3 clients");
    const { view } = await ejectedBy();
    assert.equal(view.reportingClients, 3);
    assert.deepEqual(
      view.clients.map((c) => [c.clientId, c.zone, c.ejectedEndpoints]),
      CLIENTS.map((id) => [id, "zone-a", 1]),
    );
    assert.ok(view.clients.every((c) => c.policyVersion === view.version && c.sdkVersion !== ""));
    const healthy = view.endpoints.filter((e) => e.endpointId !== bad.address);
    assert.deepEqual(
      healthy.map((e) => [e.ejectedBy, e.registered]),
      [
        [0, true],
        [0, true],
      ],
    );
    assert.ok(Date.now() - failingAt < 10_000);

    bad.behaviour.failWithCode = 0;
    const recoveredAt = Date.now();
    await eventually(async () => (await ejectedBy()).ejectedBy === 0, 15_000, "ejected by 0 of 3 clients");
    assert.ok(Date.now() - recoveredAt >= OPEN_DURATION_MS / 2, "not before the ejection time ran out");
    const after = await ejectedBy();
    assert.equal(after.view.reportingClients, 3);
    assert.deepEqual(
      after.view.clients.map((c) => c.ejectedEndpoints),
      [0, 0, 0],
    );
  });
});
