/**
 * An xDS client of two control-plane replicas on one Redis: the replica it streams from is
 * killed, and it keeps calling from its cache, moves to the other replica, and receives the
 * changes made after the kill. Its bootstrap names both replicas as one multi-address target
 * (`bootstrap --server a,b --failover address-list`), which grpc-js and C-core dial with
 * pick_first.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Subscriber } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { launchRedis, type RedisServerHandle } from "../src/testing/index.js";
import { bootstrapDocument } from "../src/xds/bootstrap.js";
import { call, type Running, startPlane } from "./helpers/control-plane.js";
import {
  type EchoServer,
  eventually,
  register,
  servedBy,
  startEchoServer,
  type XdsEchoClient,
  xdsEchoClient,
} from "./helpers/xds.js";

const NODE_ID = "failover-node";

describe("an xDS client of two replicas on one Redis", () => {
  let redis: RedisServerHandle;
  const planes: Running[] = [];
  const echoServers: EchoServer[] = [];
  let echo: XdsEchoClient;

  const replica = async (id: string) => {
    const plane = await startPlane({ redisUrl: redis.url, redisKeyPrefix: redis.keyPrefix, replicaId: id });
    planes.push(plane);
    return plane;
  };
  const echoServer = async () => {
    const s = await startEchoServer();
    echoServers.push(s);
    return s;
  };
  /** The replica whose own streams include the xDS client (ListSubscribers merges every replica). */
  const holder = async (via: Running): Promise<string | undefined> => {
    const res = await call(via.admin.listSubscribers.bind(via.admin), { service: "" });
    const rows = res.subscribers.filter((s: Subscriber) => s.clientId === NODE_ID && s.xds !== undefined);
    return rows[0]?.replicaId;
  };

  before(async () => {
    redis = await launchRedis();
    const a = await replica("replica-a");
    const b = await replica("replica-b");
    const document = bootstrapDocument({
      nodeId: NODE_ID,
      servers: [a.address, b.address],
      channelCreds: "insecure",
      failover: "address-list",
    });
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(document);
    const xds = await import("@grpc/grpc-js-xds");
    xds.register();
  });

  after(async () => {
    echo?.close();
    for (const s of echoServers) s.kill();
    for (const p of planes) await p.close().catch(() => undefined);
    await redis?.stop();
  });

  test("keeps calling when its replica is killed, then follows changes through the other", async () => {
    const [first, second] = [await echoServer(), await echoServer()];
    const [a, b] = planes as [Running, Running];
    await register(a.address, "failover-service", first.port);
    await register(a.address, "failover-service", second.port);
    echo = xdsEchoClient("failover-service");
    await eventually(async () => (await servedBy(echo, 6)).size === 2, "calls reaching both instances");

    let connectedTo: string | undefined;
    await eventually(async () => {
      connectedTo = await holder(b);
      return connectedTo !== undefined;
    }, "the client in ListSubscribers");
    const [dead, live] = connectedTo === "replica-a" ? [a, b] : [b, a];
    await dead.plane.stop({ graceMs: 0 });

    const whileMoving = await servedBy(echo, 20);
    const served = [...whileMoving.values()].reduce((x, y) => x + y, 0);
    assert.equal(served, 20, "every call served from the cached config while the client moves");

    await eventually(
      async () => (await holder(live)) === live.plane.options.replicaId,
      "the client on the live replica",
    );
    const third = await echoServer();
    await register(live.address, "failover-service", third.port);
    await eventually(
      async () => (await servedBy(echo, 9)).has(third.id),
      "a change made after the kill to reach the client",
    );
  });
});
