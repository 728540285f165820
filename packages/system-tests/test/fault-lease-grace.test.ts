/**
 * A control plane that starts on a Redis whose leases ran out while no control plane was running
 * must not expire them at its first sweep, before any instance had a chance to reconnect and
 * renew: the state survived in Redis, and the instances are alive. (The fault suite found this;
 * lease expiry now waits one max lease TTL after a Redis-backed start.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata } from "@grpc/grpc-js";
import { type ControlPlane, createControlPlane } from "@switchboard/control-plane";
import { launchRedis, type RedisServerHandle } from "@switchboard/control-plane/testing";
import {
  type KeepAliveResponse,
  KeepAliveResponse_LeaseState as LeaseState,
  RegistrationClient,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import pino from "pino";
import { pollUntil } from "./faults/harness/registry.js";

const silent = pino({ level: "silent" });

describe("a control plane restarted after an outage longer than the lease TTL", () => {
  let redis: RedisServerHandle;
  const planes: ControlPlane[] = [];

  const start = async (): Promise<{ cp: ControlPlane; client: RegistrationClient }> => {
    const cp = createControlPlane({
      listenAddress: "127.0.0.1:0",
      metricsListenAddress: "off",
      redisUrl: redis.url,
      redisKeyPrefix: redis.keyPrefix,
      minLeaseTtlMs: 200,
      logger: silent,
    });
    planes.push(cp);
    const { address } = await cp.start();
    return { cp, client: new RegistrationClient(address, credentials.createInsecure()) };
  };

  before(async () => {
    redis = await launchRedis();
  });
  after(async () => {
    for (const cp of planes) await cp.stop({ graceMs: 0 });
    await redis.stop();
  });

  it("expires nothing in its first second, so the instance's renewal finds its lease", async () => {
    const first = await start();
    const lease = await new Promise<{ leaseId: string; ttlMs: number }>((resolve, reject) =>
      first.client.register(
        {
          service: "grace",
          host: "10.0.0.1",
          port: 80,
          zone: "",
          weight: 0,
          metadata: {},
          health: 0,
          ttlMs: 300,
        },
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
    first.client.close();
    await first.cp.stop({ graceMs: 0 });
    // The outage: no control plane runs until the lease's deadline has passed.
    const deadline = Date.now() + lease.ttlMs;
    await pollUntil(() => Date.now() > deadline + 100, 5000);
    const second = await start();
    const expiredAt = await pollUntil(() => second.cp.reaper.expired > 0, 1000);
    const ka = second.client.keepAlive(new Metadata());
    const answer = new Promise<KeepAliveResponse>((resolve) => ka.once("data", resolve));
    ka.write({ leaseId: lease.leaseId, health: 0 });
    const state = (await answer).state;
    ka.end();
    second.client.close();
    assert.equal(
      expiredAt,
      undefined,
      "the restarted control plane expired the lease before it could be renewed",
    );
    assert.equal(state, LeaseState.LEASE_STATE_ACTIVE);
  });
});
