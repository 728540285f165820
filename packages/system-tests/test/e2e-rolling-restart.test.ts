import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import { type EchoInstanceProcess, launchEchoInstance } from "../src/index.js";
import { eventually, type StartedControlPlane, silent, startControlPlane } from "./support/fixture.js";
import { LoadLoop } from "./support/load.js";

describe("a rolling restart with drain", () => {
  let cp: StartedControlPlane;
  let instances: EchoInstanceProcess[];
  let mesh: MeshClient;
  let client: EchoServiceClient;

  before(async () => {
    cp = await startControlPlane();
    // No retries: a drain must not lose a call on its own.
    instances = await Promise.all(
      [0, 1, 2].map(() => launchEchoInstance({ controlPlane: cp.address, delayMs: 20 })),
    );
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
    client = new EchoServiceClient("mesh:///echo", credentials.createInsecure());
    await mesh.waitForService("echo");
    await eventually(() => mesh.endpoints("echo").length === 3, 5000, "three endpoints");
  });

  after(async () => {
    client.close();
    await mesh.close();
    await Promise.all(instances.map((i) => i.kill()));
    await cp.stop();
  });

  it("replaces every instance without a failed call, retries off", async () => {
    const load = new LoadLoop(client, 12);
    const replaced: string[] = [];
    for (let i = 0; i < 3; i++) {
      const fresh = await launchEchoInstance({ controlPlane: cp.address, delayMs: 20 });
      await eventually(
        () => mesh.endpoints("echo").some((e) => e.id === fresh.address),
        5000,
        "the new instance",
      );
      const old = instances.shift() as EchoInstanceProcess;
      instances.push(fresh);
      assert.equal((await old.stop()).code, 0, "a drained instance exits 0");
      replaced.push(old.address);
    }
    const finished = Date.now();
    await eventually(() => load.records.some((r) => r.at > finished + 300), 5000, "more calls");
    await load.stop();
    assert.deepEqual(load.failures, [], `failed: ${JSON.stringify(load.failures.slice(0, 3))}`);
    assert.deepEqual(
      mesh
        .endpoints("echo")
        .map((e) => e.id)
        .sort(),
      instances.map((i) => i.address).sort(),
    );
    for (const address of replaced)
      assert.ok(load.servedBySince(address, 0) > 0, "each old instance served before it left");
    assert.ok(load.records.length > 300, `only ${load.records.length} calls`);
  });
});
