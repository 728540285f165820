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
const OUTAGE_MS = 10_000;

for (const storeKind of ["memory", "redis"] as const) {
  describe(`the control plane stopped for 10 s under load (${storeKind} store)`, () => {
    let redis: RedisServerHandle | undefined;
    let cp: StartedControlPlane;
    let instances: EchoInstanceProcess[];
    let mesh: MeshClient;
    let client: EchoServiceClient;

    const start = (listen?: string) =>
      startControlPlane({
        redisUrl: redis?.url,
        redisKeyPrefix: redis?.keyPrefix,
        ...(listen ? { listen } : {}),
      });

    before(async () => {
      if (storeKind === "redis") redis = await launchRedis();
      cp = await start();
      const admin = new AdminClient(cp.address);
      await admin.setPolicy("echo", { loadBalancing: { algorithm: 4 }, retry: { maxAttempts: 3 } });
      admin.close();
      instances = await Promise.all([0, 1, 2].map(() => launchEchoInstance({ controlPlane: cp.address })));
      mesh = createMeshClient({ controlPlane: cp.address, logger: silent, reconnectMaxBackoffMs: 500 });
      client = new EchoServiceClient("mesh:///echo", credentials.createInsecure());
      await mesh.waitForService("echo");
      await eventually(() => mesh.endpoints("echo").length === 3, 5000, "three endpoints");
    });

    after(async () => {
      client.close();
      await mesh.close();
      await Promise.all(instances.map((i) => i.kill()));
      await cp.stop();
      await redis?.stop();
    });

    it("costs no failed call, and the SDK resumes when it is back", async () => {
      const load = new LoadLoop(client, 8);
      await sleep(500);
      const versionBefore = mesh.stats().services.echo?.version ?? 0;
      const address = cp.address;
      await cp.stop();
      await eventually(() => !mesh.connected, 5000, "the SDK to notice");
      const outageStarted = Date.now();
      await sleep(OUTAGE_MS);
      const duringOutage = load.records.filter((r) => r.at >= outageStarted).length;
      cp = await start(address);
      await eventually(() => mesh.connected, 5000, "the SDK to reconnect");
      // After a restart the SDK is told the current state: the same endpoints, and (Redis) the
      // same or a later version in the same epoch, or (memory) a new epoch once instances re-register.
      await eventually(
        () => mesh.stats().services.echo?.endpoints.length === 3 && !mesh.stats().services.echo?.stale,
        10_000,
        "the registry to converge",
      );
      await sleep(500);
      await load.stop();

      assert.deepEqual(load.failures, [], `failed: ${JSON.stringify(load.failures.slice(0, 3))}`);
      assert.ok(duringOutage > 200, `only ${duringOutage} calls during the outage`);
      if (storeKind === "redis") {
        assert.ok((mesh.stats().services.echo?.version ?? 0) >= versionBefore);
        assert.equal(mesh.stats().services.echo?.loadBalancing, "least_request", "the policy survived");
      }
    });
  });
}
