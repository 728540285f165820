import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata } from "@grpc/grpc-js";
import {
  HealthClient,
  HealthCheckResponse_ServingStatus as Serving,
} from "@switchboard/core/gen/grpc/health/v1/health.js";
import { EchoRequest, EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  eventually,
  type StartedControlPlane,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";

function check(client: HealthClient, service = ""): Promise<Serving | string> {
  return new Promise((resolve) =>
    client.check({ service }, (e, r) => resolve(e ? `error ${e.code}` : r.status)),
  );
}

describe("createMeshServer", () => {
  let cp: StartedControlPlane;
  let instance: EchoInstance;
  let health: HealthClient;

  before(async () => {
    cp = await startControlPlane();
    instance = await startEchoInstance(cp.address, { service: "health" });
    health = new HealthClient(instance.address, credentials.createInsecure());
  });

  after(async () => {
    health.close();
    await instance.server.drain();
    await cp.stop();
  });

  it("serves grpc.health.v1 for the server, the mesh service and each gRPC service", async () => {
    assert.equal(await check(health), Serving.SERVING);
    assert.equal(await check(health, "health"), Serving.SERVING);
    assert.equal(await check(health, "echo.v1.EchoService"), Serving.SERVING);
    assert.equal(await check(health, "nope"), "error 5");
  });

  it("reports NOT_SERVING to the registry and to health checks when told", async () => {
    await instance.server.setServing(false);
    assert.equal(await check(health), Serving.NOT_SERVING);
    const state = await cp.cp.store.getService("health");
    assert.equal(state.endpoints[0]?.reportedHealth, "NOT_SERVING");
    await instance.server.setServing(true);
    assert.equal(await check(health), Serving.SERVING);
  });

  it("drains: DRAINING in the registry, in-flight calls finish, then deregistered and closed", async () => {
    const direct = new EchoServiceClient(instance.address, credentials.createInsecure());
    const inFlight = new Promise<number>((resolve) =>
      direct.echo(EchoRequest.fromPartial({ message: "slow", delayMs: 600 }), new Metadata(), (e) =>
        resolve(e?.code ?? 0),
      ),
    );
    await eventually(() => instance.server.inFlight === 1, 2000, "the call to start");
    const drained = instance.server.drain();
    await eventually(
      async () => (await cp.cp.store.getService("health")).endpoints[0]?.reportedHealth === "DRAINING",
      2000,
      "DRAINING in the registry",
    );
    assert.equal(await check(health), Serving.NOT_SERVING);
    assert.equal(await inFlight, 0, "the in-flight call finished");
    await drained;
    assert.equal(instance.server.state, "stopped");
    assert.equal((await cp.cp.store.getService("health")).endpoints.length, 0);
    direct.close();
  });
});
