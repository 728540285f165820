import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { AdminClient, type RedisServerHandle, startRedisServer } from "@switchboard/control-plane/testing";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  eventually,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";
import {
  CHI2_1DF_P001,
  canaryTable,
  chiSquare,
  echo,
  echoMany,
  type RouteTableInput,
  splitTable,
} from "./support/routes.js";

const SERVICE = "user-service";

// 10,000 calls on the memory store; the Redis case (two replicas) proves the same table crosses
// replicas, with fewer calls to keep the suite short.
const SPLIT_CALLS = { memory: 10_000, redis: 2_000 } as const;

for (const storeKind of ["memory", "redis"] as const) {
  const setting =
    storeKind === "redis" ? "Redis store, set on one replica, clients on the other" : "memory store";
  describe(`a route table set through Admin steers real calls (${setting})`, () => {
    let redis: RedisServerHandle | undefined;
    let planes: StartedControlPlane[];
    let admin: AdminClient;
    let instances: EchoInstance[];
    let mesh: MeshClient;
    let client: EchoServiceClient;
    const versionOf = new Map<string, string>();

    before(async () => {
      if (storeKind === "redis") redis = await startRedisServer();
      const start = () => startControlPlane({ redisUrl: redis?.url, redisKeyPrefix: redis?.keyPrefix });
      planes = redis ? [await start(), await start()] : [await start()];
      const serving = planes[0] as StartedControlPlane;
      admin = new AdminClient((planes[planes.length - 1] as StartedControlPlane).address);
      instances = await Promise.all(
        ["v1", "v1", "v2"].map((version) =>
          startEchoInstance(serving.address, { service: SERVICE, metadata: { version } }),
        ),
      );
      for (const [i, version] of ["v1", "v1", "v2"].entries())
        versionOf.set((instances[i] as EchoInstance).address, version);
      mesh = createMeshClient({ controlPlane: serving.address, logger: silent, name: storeKind });
      client = new EchoServiceClient(`mesh://${storeKind}/${SERVICE}`, credentials.createInsecure());
      await mesh.waitForService(SERVICE);
      await eventually(() => mesh.endpoints(SERVICE).length === 3, 5000, "three endpoints");
    });

    after(async () => {
      client.close();
      await mesh.close();
      admin.close();
      await Promise.all(instances.map((i) => i.server.drain()));
      for (const p of planes) await p.stop();
      await redis?.stop();
    });

    /** Sets the table and waits until this client routes by it. */
    async function route(table: RouteTableInput): Promise<void> {
      const version = await admin.setRoutes(SERVICE, table);
      await eventually(
        () => mesh.stats().services[SERVICE]?.routeVersion === version,
        5000,
        "routes applied",
      );
    }

    const served = (outcomes: readonly { servedBy: string; code: number }[]) => {
      const counts = { v1: 0, v2: 0, failed: 0 };
      for (const o of outcomes) {
        if (o.code !== 0) counts.failed++;
        else counts[versionOf.get(o.servedBy) as "v1" | "v2"]++;
      }
      return counts;
    };

    it(`splits ${SPLIT_CALLS[storeKind]} calls 90/10 between v1 and v2 within a chi-square bound`, async (t) => {
      await route(splitTable(10));
      const counts = served(await echoMany(client, SPLIT_CALLS[storeKind], 64));
      const statistic = chiSquare([counts.v1, counts.v2], [0.9, 0.1]);
      t.diagnostic(`v1 ${counts.v1}, v2 ${counts.v2}, chi-square ${statistic.toFixed(2)}`);
      assert.equal(counts.failed, 0);
      assert.ok(statistic < CHI2_1DF_P001, `chi-square ${statistic} for ${counts.v1}/${counts.v2}`);
    });

    it("sends every call carrying the canary header to v2 and none of the others", async () => {
      await route(canaryTable());
      const outcomes = await echoMany(client, 600, 16, (i) => (i % 3 === 0 ? { "x-canary": "1" } : {}));
      const canary = served(outcomes.filter((_, i) => i % 3 === 0));
      const others = served(outcomes.filter((_, i) => i % 3 !== 0));
      assert.deepEqual(canary, { v1: 0, v2: 200, failed: 0 });
      assert.deepEqual(others, { v1: 400, v2: 0, failed: 0 });
      // Any other value of the header is not the canary.
      assert.equal(versionOf.get((await echo(client, { "x-canary": "0" })).servedBy), "v1");
    });
  });
}
