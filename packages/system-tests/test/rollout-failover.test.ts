/**
 * A rollout survives the loss of the replica driving it: two control-plane processes share one
 * Redis; the one holding the rollout's lease is SIGKILLed in the middle of a stage. The other
 * takes the lease when it runs out (with a higher fencing token), carries on from the same stage
 * and completes the rollout.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import {
  AdminClient,
  ChildTracker,
  type ControlPlaneProcess,
  launchControlPlane,
  type RedisServerHandle,
  startRedisServer,
} from "@switchboard/control-plane/testing";
import { RolloutState } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { Registry } from "prom-client";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import { cohortClientId } from "./support/cohorts.js";
import { type EchoInstance, eventually, silent, startEchoInstance } from "./support/fixture.js";
import { LoadLoop } from "./support/load.js";

const SERVICE = "rollout-failover";
const FIRST_PERCENT = 34;
const CLIENTS = [
  cohortClientId("failover", FIRST_PERCENT, true),
  cohortClientId("failover", FIRST_PERCENT, false),
  cohortClientId("failover", FIRST_PERCENT, false, 1),
];
/** Long enough for the driver to be killed in the middle of the first stage. */
const FIRST_HOLD_MS = 8000;

describe("a rollout whose driving replica is SIGKILLed", () => {
  let redis: RedisServerHandle;
  const tracker = new ChildTracker();
  const replicas = new Map<string, ControlPlaneProcess>();
  const admins: { close(): void }[] = [];
  let instances: EchoInstance[] = [];
  const meshes: MeshClient[] = [];
  const channels: EchoServiceClient[] = [];
  const loads: LoadLoop[] = [];

  before(async () => {
    redis = await startRedisServer();
    for (const replicaId of ["replica-a", "replica-b"]) {
      const replica = await launchControlPlane({
        tracker,
        replicaId,
        redisUrl: redis.url,
        redisKeyPrefix: redis.keyPrefix,
      });
      replicas.set(replicaId, replica);
    }
  });

  after(async () => {
    await Promise.all(loads.map((l) => l.stop()));
    for (const c of channels) c.close();
    await Promise.all(meshes.map((m) => m.close()));
    await Promise.all(instances.map((i) => i.server.drain()));
    for (const a of admins) a.close();
    await tracker.stopAll();
    await redis?.stop();
  });

  function address(id: string): string {
    const replica = replicas.get(id);
    assert.ok(replica, `no replica ${id}`);
    return replica.address;
  }

  it("is carried on by the other replica from the same stage, with a higher fencing token, to completion", async () => {
    const start = new AdminClient(address("replica-a"));
    admins.push(start);
    await start.setPolicy(SERVICE, { timeoutMs: 5000 });
    await start.startRollout({
      service: SERVICE,
      policy: { timeoutMs: 3000 },
      stages: [
        { percent: FIRST_PERCENT, holdMs: FIRST_HOLD_MS },
        { percent: 100, holdMs: 1000 },
      ],
      gates: { minCohortCalls: 5 },
    });
    await eventually(
      async () => (await start.getRollout(SERVICE)).driver !== "",
      10_000,
      "a replica drives it",
    );
    const before = await start.getRollout(SERVICE);
    const driver = before.driver;
    const survivor = driver === "replica-a" ? "replica-b" : "replica-a";

    // Instances and clients on the surviving replica: killing the driver does not disturb them.
    instances = await Promise.all(
      [0, 1].map(() => startEchoInstance(address(survivor), { service: SERVICE })),
    );
    for (const name of CLIENTS) {
      const mesh = createMeshClient({
        controlPlane: address(survivor),
        clientId: name,
        name,
        logger: silent,
        registry: new Registry(),
        reportIntervalMs: 1000,
      });
      meshes.push(mesh);
      await mesh.waitForService(SERVICE);
      await eventually(() => mesh.endpoints(SERVICE).length === 2, 5000, `two endpoints in ${name}`);
      const channel = new EchoServiceClient(`mesh://${name}/${SERVICE}`, credentials.createInsecure());
      channels.push(channel);
      loads.push(new LoadLoop(channel, 1));
    }

    const rollouts = new AdminClient(address(survivor));
    admins.push(rollouts);
    const atKill = await rollouts.getRollout(SERVICE);
    assert.equal(atKill.stage, 0, "killed in the middle of the first stage");
    assert.equal(atKill.driver, driver);
    await replicas.get(driver)?.child.kill();

    await eventually(
      async () => (await rollouts.getRollout(SERVICE)).driver === survivor,
      15_000,
      "taken over",
    );
    const taken = await rollouts.getRollout(SERVICE);
    assert.equal(taken.stage, 0, "carried on from the same stage");
    assert.equal(taken.state, RolloutState.ROLLOUT_STATE_RUNNING);
    assert.ok(taken.fencingToken > atKill.fencingToken, "the fencing token went up");
    assert.match(
      taken.events.at(-1)?.detail ?? "",
      new RegExp(`driven by ${survivor} \\(fencing token ${taken.fencingToken}\\)`),
    );

    await eventually(
      async () => (await rollouts.getRollout(SERVICE)).state === RolloutState.ROLLOUT_STATE_COMPLETED,
      30_000,
      "completed by the survivor",
    );
    const done = await rollouts.getRollout(SERVICE);
    assert.equal(done.driver, survivor);
    assert.deepEqual(
      done.events.map((e) => [e.kind, e.stage]),
      [
        ["started", 0],
        ["driver", 0],
        ["driver", 0],
        ["stage", 1],
        ["completed", 1],
      ],
    );
    assert.equal((await rollouts.getService(SERVICE)).policy?.timeoutMs, 3000);
  });
});
