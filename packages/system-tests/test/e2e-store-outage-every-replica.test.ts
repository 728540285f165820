/**
 * Every replica cut from Redis: each one gives its clients up (`storeOutageShedMs`) and refuses
 * them, so a client has nowhere to move. It keeps routing with the state it has (static
 * stability) and retries with backoff, over both replicas, until Redis is back.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import {
  type InProcessControlPlane,
  type RedisServerHandle,
  startInProcessControlPlane,
  startRedisServer,
} from "@switchboard/control-plane/testing";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import pino from "pino";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import { type EchoInstance, eventually, startEchoInstance } from "./support/fixture.js";
import { LoadLoop } from "./support/load.js";

const SHED_MS = 300;
const REFUSAL = "UNAVAILABLE: this replica cannot reach its store; reconnect to another replica";
const RECONNECT_MAX_MS = 1000;

interface Attempt {
  readonly at: number;
  readonly controlPlane: string;
  readonly reason: string;
}

describe("every control-plane replica cut from Redis", {
  skip: process.env.REDIS_URL ? "needs a redis-server the test can stop" : false,
}, () => {
  let redis: RedisServerHandle;
  const planes: InProcessControlPlane[] = [];
  const addresses: string[] = [];
  let instances: EchoInstance[];
  let mesh: MeshClient;
  let client: EchoServiceClient;
  const attempts: Attempt[] = [];

  before(async () => {
    redis = await startRedisServer();
    for (const id of ["a", "b"]) {
      const plane = await startInProcessControlPlane({
        redisUrl: redis.url,
        redisKeyPrefix: redis.keyPrefix,
        replicaId: `replica-${id}`,
        storeOutageShedMs: SHED_MS,
        minLeaseTtlMs: 500,
      });
      planes.push(plane);
      addresses.push(plane.address);
    }
    instances = await Promise.all([0, 1, 2].map(() => startEchoInstance(addresses.join(","))));
    // The SDK logs each lost or refused stream: which replica, why, and when it retries.
    const logger = pino(
      { level: "warn" },
      {
        write(line: string) {
          const entry = JSON.parse(line) as { msg: string; controlPlane?: string; reason?: string };
          if (entry.msg !== "discovery stream lost; reconnecting") return;
          attempts.push({
            at: Date.now(),
            controlPlane: entry.controlPlane ?? "",
            reason: entry.reason ?? "",
          });
        },
      },
    );
    mesh = createMeshClient({
      controlPlane: addresses,
      logger,
      reconnectInitialBackoffMs: 100,
      reconnectMaxBackoffMs: RECONNECT_MAX_MS,
    });
    client = new EchoServiceClient("mesh:///echo", credentials.createInsecure());
    await mesh.waitForService("echo");
    await eventually(() => mesh.endpoints("echo").length === 3, 5000, "three endpoints");
  });

  after(async () => {
    client?.close();
    await mesh?.close();
    await Promise.all((instances ?? []).map((i) => i.server.drain().catch(() => {})));
    for (const p of planes) await p.stop(200);
    await redis?.stop();
  });

  it("keeps the client routing with its last state while it retries every replica with backoff", async () => {
    const load = new LoadLoop(client, 8);
    const before = mesh.endpoints("echo").map((e) => e.id);
    await redis.stop();
    const stoppedAt = Date.now();
    // Both replicas shed and refuse: the client is refused by each in turn.
    await eventually(
      () => new Set(attempts.filter((a) => a.reason === REFUSAL).map((a) => a.controlPlane)).size === 2,
      10_000,
      "refusals from both replicas",
    );
    await new Promise((r) => setTimeout(r, 3000));
    const during = attempts.filter((a) => a.at >= stoppedAt);
    assert.equal(mesh.connected, false, "no replica takes the client while none reaches Redis");
    assert.deepEqual(
      mesh.endpoints("echo").map((e) => e.id),
      before,
      "the client keeps every endpoint it had",
    );
    // Backoff: a few attempts a second at most (reconnecting at once would make thousands).
    const seconds = (Date.now() - stoppedAt) / 1000;
    assert.ok(during.length / seconds < 15, `${during.length} attempts in ${seconds.toFixed(1)} s`);
    const callsDuring = load.records.filter((r) => r.at >= stoppedAt);
    assert.ok(callsDuring.length > 100, `only ${callsDuring.length} calls during the outage`);

    await redis.restart();
    // Within the reconnect cap, plus the time a replica takes to find Redis back.
    await eventually(() => mesh.connected, RECONNECT_MAX_MS + 5000, "the client to reconnect");
    await load.stop();
    assert.deepEqual(load.failures, [], `failed: ${JSON.stringify(load.failures.slice(0, 3))}`);
  });
});
