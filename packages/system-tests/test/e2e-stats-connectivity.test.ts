import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata } from "@grpc/grpc-js";
import { createMeshClient, type EndpointStats, type MeshClient } from "@switchboard/sdk";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  eventually,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";

const SERVICE = "echo-connectivity";

describe("stats() per endpoint connectivity", () => {
  let cp: StartedControlPlane;
  let kept: EchoInstance;
  let killed: EchoInstance;
  let mesh: MeshClient;
  let client: EchoServiceClient;

  const endpointStats = (address: string): EndpointStats | undefined =>
    mesh.stats().services[SERVICE]?.endpoints.find((e) => e.id === address);
  const echo = () =>
    new Promise<void>((resolve, reject) =>
      client.echo(
        { message: "x", payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
        new Metadata(),
        { deadline: Date.now() + 5000 },
        (e) => (e ? reject(e) : resolve()),
      ),
    );

  before(async () => {
    cp = await startControlPlane();
    // A long lease: the killed instance stays registered (and SERVING) throughout the test.
    kept = await startEchoInstance(cp.address, { service: SERVICE, leaseTtlMs: 30_000 });
    killed = await startEchoInstance(cp.address, { service: SERVICE, leaseTtlMs: 30_000 });
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
    await mesh.waitForService(SERVICE, { timeoutMs: 5000 });
    client = new EchoServiceClient(`mesh:///${SERVICE}`, credentials.createInsecure());
    await eventually(() => mesh.endpoints(SERVICE).length === 2, 5000, "both endpoints known");
    await echo();
  });

  after(async () => {
    client.close();
    await mesh.close();
    await kept.server.drain();
    await killed.server.drain();
    await cp.stop();
  });

  it("shows READY and pickable for connected instances", async () => {
    await eventually(
      () => [kept, killed].every((i) => endpointStats(i.address)?.connectivity === "READY"),
      5000,
      "both connections READY",
    );
    assert.equal(endpointStats(kept.address)?.pickable, true);
    assert.equal(endpointStats(killed.address)?.pickable, true);
  });

  it("shows a killed instance as TRANSIENT_FAILURE and not pickable within a second, while still registered SERVING", async () => {
    killed.server.server.forceShutdown();
    const killedAt = Date.now();
    await eventually(
      () => endpointStats(killed.address)?.connectivity === "TRANSIENT_FAILURE",
      1000,
      "TRANSIENT_FAILURE for the killed instance",
    );
    const stats = endpointStats(killed.address);
    assert.ok(Date.now() - killedAt <= 1000);
    assert.equal(stats?.pickable, false, "the balancer could still pick it");
    assert.equal(stats?.health, "SERVING", "its lease has not run out, so the registry still says SERVING");
    assert.equal(stats?.ejected, false);
    assert.equal(endpointStats(kept.address)?.connectivity, "READY");
    assert.equal(endpointStats(kept.address)?.pickable, true);
    await echo();
  });
});
