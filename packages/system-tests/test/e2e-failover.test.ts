import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { AdminClient, launchRedis, type RedisServerHandle } from "@switchboard/control-plane/testing";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import { type EchoInstanceProcess, launchEchoInstance } from "../src/index.js";
import { eventually, type StartedControlPlane, silent, startControlPlane } from "./support/fixture.js";
import { LoadLoop } from "./support/load.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const storeKind of ["memory", "redis"] as const)
  describe(`an instance SIGKILLed under load (${storeKind} store)`, () => {
    let redis: RedisServerHandle | undefined;
    let cp: StartedControlPlane;
    let instances: EchoInstanceProcess[];
    let mesh: MeshClient;
    let client: EchoServiceClient;
    let admin: AdminClient;

    before(async () => {
      if (storeKind === "redis") redis = await launchRedis();
      cp = await startControlPlane({ redisUrl: redis?.url, redisKeyPrefix: redis?.keyPrefix });
      admin = new AdminClient(cp.address);
      await admin.setPolicy("echo", {
        loadBalancing: { algorithm: 5 },
        retry: { maxAttempts: 3, retryableCodes: ["UNAVAILABLE"], initialBackoffMs: 5, maxBackoffMs: 50 },
      });
      instances = await Promise.all([0, 1, 2].map(() => launchEchoInstance({ controlPlane: cp.address })));
      mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
      client = new EchoServiceClient("mesh:///echo", credentials.createInsecure());
      await mesh.waitForService("echo");
      await eventually(() => mesh.endpoints("echo").length === 3, 5000, "three endpoints");
    });

    after(async () => {
      client.close();
      await mesh.close();
      admin.close();
      await Promise.all(instances.map((i) => i.kill()));
      await cp.stop();
      await redis?.stop();
    });

    it("costs the caller no failed call and leaves rotation within a second", async () => {
      const load = new LoadLoop(client, 16);
      await sleep(800);
      const victim = instances[0] as EchoInstanceProcess;
      // Sample the attempts sent to the victim, to find when the last one was sent.
      let lastAttempts = -1;
      let lastAttemptAt = 0;
      const sampler = setInterval(() => {
        const attempts = mesh.stats().services.echo?.endpoints.find((e) => e.id === victim.address)
          ?.attempts.requests;
        if (attempts !== undefined && attempts !== lastAttempts) {
          lastAttempts = attempts;
          lastAttemptAt = Date.now();
        }
      }, 50);
      const killedAt = Date.now();
      await victim.kill();
      await sleep(2500);
      clearInterval(sampler);
      await load.stop();

      assert.deepEqual(load.failures, [], `failed calls: ${JSON.stringify(load.failures.slice(0, 3))}`);
      assert.ok(
        lastAttemptAt - killedAt <= 1000,
        `attempts went to the dead endpoint ${lastAttemptAt - killedAt} ms after the kill`,
      );
      const after = load.share(killedAt + 1000);
      assert.equal(after.size, 2, `traffic after the kill: ${[...after.entries()]}`);
      assert.ok(load.records.length > 500, `only ${load.records.length} calls made`);
    });
  });
