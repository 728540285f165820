import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { type EchoResponse, EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";

const SERVICE = "echo-early";

function echo(client: EchoServiceClient, deadlineMs = 10_000): Promise<EchoResponse> {
  return new Promise((resolve, reject) =>
    client.echo(
      { message: "early", payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
}

describe("a mesh: channel created before the mesh client", () => {
  let cp: StartedControlPlane;
  let instance: EchoInstance;
  let mesh: MeshClient | undefined;

  before(async () => {
    cp = await startControlPlane();
    instance = await startEchoInstance(cp.address, { service: SERVICE });
  });

  after(async () => {
    await mesh?.close();
    await instance.server.drain();
    await cp.stop();
  });

  it("fails its calls with a message naming createMeshClient when no mesh client appears", async () => {
    const client = new EchoServiceClient(`mesh://never-created/${SERVICE}`, credentials.createInsecure());
    try {
      const error = (await echo(client).then(
        () => assert.fail("the call succeeded without a mesh client"),
        (e: ServiceError) => e,
      )) as ServiceError;
      assert.equal(error.code, status.UNAVAILABLE);
      assert.match(
        error.details,
        /no mesh client named "never-created".*createMeshClient\(\{ name: "never-created" \}\)/,
      );
      assert.doesNotMatch(error.details, /DNS/);
    } finally {
      client.close();
    }
  });

  it("works once the mesh client exists: a call made before it is answered", async () => {
    const client = new EchoServiceClient(`mesh:///${SERVICE}`, credentials.createInsecure());
    try {
      const early = echo(client);
      // The call is already waiting for resolution when the mesh client is created.
      await new Promise((resolve) => setTimeout(resolve, 100));
      mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
      const response = await early;
      assert.equal(response.message, "early");
      assert.equal(response.servedBy, instance.address);
      assert.equal((await echo(client)).message, "early");
    } finally {
      client.close();
    }
  });
});
