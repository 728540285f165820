/**
 * A real xDS client (@grpc/grpc-js-xds, in this process) against a real control plane and real
 * grpc-js echo servers registered through the Registration API.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Subscriber, XdsTypeStatus } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { MemoryStore } from "../src/store/index.js";
import { freePort } from "../src/testing/index.js";
import { bootstrapDocument } from "../src/xds/bootstrap.js";
import { TYPE_URLS } from "../src/xds/type-urls.js";
import { call, type Running, startPlane } from "./helpers/control-plane.js";
import {
  deregister,
  type EchoServer,
  eventually,
  fetchClientStatus,
  register,
  servedBy,
  startEchoServer,
  type XdsEchoClient,
  xdsEchoClient,
} from "./helpers/xds.js";
import { splitRoutes } from "./support/route-fixtures.js";

const NODE_ID = "xds-test-client";

describe("an xDS client of the control plane", () => {
  // One store outlives the control plane across a restart, as Redis does for a replica.
  const store = new MemoryStore();
  let port = 0;
  let plane: Running;
  const echoServers: EchoServer[] = [];
  const clients: XdsEchoClient[] = [];

  const startReplica = () => startPlane({ listenAddress: `127.0.0.1:${port}`, store, closeStore: false });
  const echoServer = async () => {
    const s = await startEchoServer();
    echoServers.push(s);
    return s;
  };
  const client = (service: string) => {
    const c = xdsEchoClient(service);
    clients.push(c);
    return c;
  };
  const xdsSubscriber = async (): Promise<Subscriber | undefined> => {
    const res = await call(plane.admin.listSubscribers.bind(plane.admin), { service: "" });
    return res.subscribers.find((s) => s.clientId === NODE_ID && s.xds !== undefined);
  };
  const typeStatus = async (typeUrl: string): Promise<XdsTypeStatus | undefined> =>
    (await xdsSubscriber())?.xds?.types.find((t) => t.typeUrl === typeUrl);
  const clusterAcked = async (previous: string): Promise<boolean> => {
    const t = await typeStatus(TYPE_URLS.cluster);
    return t !== undefined && t.ackedVersion !== previous && t.ackedVersion === t.sentVersion;
  };
  const setPolicy = (service: string, policy: Policy) =>
    call(plane.admin.setPolicy.bind(plane.admin), { service, policy, validateOnly: false });
  const setRoutes = (service: string, routes: RouteTable) =>
    call(plane.admin.setRoutes.bind(plane.admin), { service, routes, validateOnly: false });
  /** One instance with version=v1 and one with version=v2 in `service`. */
  const versioned = async (service: string) => {
    const [v1, v2] = [await echoServer(), await echoServer()];
    await register(plane.address, service, v1.port, 120_000, { version: "v1" });
    await register(plane.address, service, v2.port, 120_000, { version: "v2" });
    return { v1, v2 };
  };

  before(async () => {
    port = await freePort();
    plane = await startReplica();
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(
      bootstrapDocument({ nodeId: NODE_ID, servers: [plane.address], channelCreds: "insecure" }),
    );
    const xds = await import("@grpc/grpc-js-xds");
    xds.register();
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const s of echoServers) s.kill();
    await plane.close();
    await store.close();
  });

  test("spreads calls over all three registered instances (round robin)", async () => {
    const servers = [await echoServer(), await echoServer(), await echoServer()];
    for (const s of servers) await register(plane.address, "rr-service", s.port);
    const counts = await servedBy(client("rr-service"), 30);
    assert.deepEqual([...counts.keys()].sort(), servers.map((s) => s.id).sort());
    for (const s of servers)
      assert.ok((counts.get(s.id) ?? 0) >= 6, `${s.id} served ${counts.get(s.id)} of 30`);
  });

  test("takes a deregistered instance out of EDS and carries on when an instance is killed", async () => {
    const [a, b, c] = [await echoServer(), await echoServer(), await echoServer()];
    const leaseA = await register(plane.address, "churn-service", a.port);
    await register(plane.address, "churn-service", b.port);
    const leaseC = await register(plane.address, "churn-service", c.port, 1500);
    const echo = client("churn-service");
    await eventually(async () => (await servedBy(echo, 6)).size === 3, "calls reaching all three");

    await deregister(plane.address, leaseA.leaseId);
    await eventually(
      async () => !(await servedBy(echo, 6)).has(a.id),
      "the deregistered instance to get no calls",
    );
    assert.deepEqual([...(await servedBy(echo, 20)).keys()].sort(), [b.id, c.id].sort());

    c.kill(); // its lease (1.5 s, never renewed) runs out and the reaper removes it
    const later = await servedBy(echo, 20);
    assert.deepEqual([...later.keys()], [b.id], "every call after the kill succeeded, on the instance left");
    await eventually(async () => {
      const svc = await call(plane.admin.getService.bind(plane.admin), { service: "churn-service" });
      return svc.endpoints.length === 1;
    }, "the killed instance's lease to expire");
    const { version } = await call(plane.admin.getService.bind(plane.admin), { service: "churn-service" });
    const propagated = await call(plane.registration.awaitPropagation.bind(plane.registration), {
      service: "churn-service",
      version,
      timeoutMs: 10_000,
    });
    assert.equal(
      propagated.complete,
      true,
      "the xDS client acknowledged the EDS without the killed instance",
    );
    assert.ok(propagated.subscribers >= 1);
    void leaseC;
  });

  test("applies ring_hash and then least_request live; the client acks each new Cluster", async () => {
    const servers = [await echoServer(), await echoServer(), await echoServer()];
    for (const s of servers) await register(plane.address, "policy-service", s.port);
    const echo = client("policy-service");
    await eventually(async () => (await servedBy(echo, 6)).size === 3, "calls reaching all three");
    const before = (await typeStatus(TYPE_URLS.cluster))?.ackedVersion ?? "";

    await setPolicy(
      "policy-service",
      Policy.fromPartial({ loadBalancing: { algorithm: 6, hashHeader: "x-user" } }),
    );
    await eventually(() => clusterAcked(before), "the client to ack the ring_hash Cluster");
    const ringVersion = (await typeStatus(TYPE_URLS.cluster))?.ackedVersion ?? "";
    for (const user of ["alice", "bob"]) {
      const counts = await servedBy(echo, 15, { "x-user": user });
      assert.equal(counts.size, 1, `every call of ${user} went to one instance (ring hash on x-user)`);
    }

    await setPolicy("policy-service", Policy.fromPartial({ loadBalancing: { algorithm: 4 } }));
    await eventually(() => clusterAcked(ringVersion), "the client to ack the least_request Cluster");
    const spread = await servedBy(echo, 30, { "x-user": "alice" });
    assert.equal(
      spread.size,
      3,
      "calls of one user spread again (least_request, or round_robin where it falls back)",
    );

    const csds = await fetchClientStatus(plane.address, NODE_ID);
    const cluster = csds.config[0]?.generic_xds_configs.find(
      (g) => g.type_url === TYPE_URLS.cluster && g.name === "policy-service",
    );
    assert.equal(cluster?.client_status, "ACKED");
    assert.equal(cluster?.version_info, (await typeStatus(TYPE_URLS.cluster))?.ackedVersion);
  });

  test("reports a rejected Cluster in ListSubscribers and CSDS, and never sends it again", async () => {
    const [a, b] = [await echoServer(), await echoServer()];
    await register(plane.address, "nack-service", a.port);
    const echo = client("nack-service");
    await echo.echo();
    const cds = await typeStatus(TYPE_URLS.cluster);
    assert.ok(cds);
    const eds = await typeStatus(TYPE_URLS.endpoints);
    assert.ok(eds);

    plane.plane.xds.rejectClusterForTesting("nack-service", true);
    await eventually(
      async () => ((await typeStatus(TYPE_URLS.cluster))?.nackCount ?? 0) === 1,
      "a NACK of the Cluster",
    );
    const nacked = await typeStatus(TYPE_URLS.cluster);
    assert.equal(nacked?.ackedVersion, cds.ackedVersion, "the client keeps the Cluster it had");
    assert.notEqual(nacked?.lastNackVersion, cds.ackedVersion);
    assert.match(nacked?.lastNackReason ?? "", /eds_config/);
    const subscriber = await xdsSubscriber();
    const subscription = subscriber?.subscriptions.find((s) => s.service === "nack-service");
    assert.match(subscription?.lastNackReason ?? "", /^CDS: /);

    const csds = await fetchClientStatus(plane.address, NODE_ID);
    const cluster = csds.config[0]?.generic_xds_configs.find(
      (g) => g.type_url === TYPE_URLS.cluster && g.name === "nack-service",
    );
    assert.equal(cluster?.client_status, "NACKED");
    assert.equal(cluster?.error_state?.version_info, nacked?.lastNackVersion);
    assert.match(cluster?.error_state?.details ?? "", /eds_config/);

    // Another change to the service: EDS goes out, the rejected Cluster does not.
    await register(plane.address, "nack-service", b.port);
    await eventually(
      async () => ((await typeStatus(TYPE_URLS.endpoints))?.responses ?? 0) > eds.responses,
      "the new endpoint's EDS response",
    );
    await eventually(async () => (await servedBy(echo, 6)).size === 2, "calls reaching the new instance");
    assert.equal(
      (await typeStatus(TYPE_URLS.cluster))?.responses,
      cds.responses + 1,
      "the rejected Cluster was sent once",
    );

    plane.plane.xds.rejectClusterForTesting("nack-service", false);
    await eventually(() => clusterAcked(nacked?.lastNackVersion ?? ""), "the repaired Cluster to be acked");
  });

  test("sends every call carrying the canary header to v2, and none of the others", async () => {
    const { v1, v2 } = await versioned("canary-service");
    const echo = client("canary-service");
    await eventually(async () => (await servedBy(echo, 6)).size === 2, "calls reaching both versions");
    await setRoutes(
      "canary-service",
      RouteTable.fromPartial({
        subsets: splitRoutes(0).subsets,
        rules: [
          {
            name: "qa",
            match: { headers: [{ name: "x-canary", kind: { $case: "exact", exact: "1" } }] },
            destinations: [{ weight: 100, target: { $case: "subset", subset: "v2" } }],
          },
          { name: "rest", destinations: [{ weight: 100, target: { $case: "subset", subset: "v1" } }] },
        ],
      }),
    );
    await eventually(
      async () =>
        (await servedBy(echo, 10)).get(v1.id) === 10 &&
        (await servedBy(echo, 10, { "x-canary": "1" })).get(v2.id) === 10,
      "the route table to apply",
    );
    assert.deepEqual(await servedBy(echo, 100, { "x-canary": "1" }), new Map([[v2.id, 100]]));
    assert.deepEqual(await servedBy(echo, 100), new Map([[v1.id, 100]]));
    assert.deepEqual(await servedBy(echo, 50, { "x-canary": "yes" }), new Map([[v1.id, 50]]));
  });

  test("splits calls 80/20 between two subsets within four standard deviations", async () => {
    const { v1, v2 } = await versioned("split-service");
    const echo = client("split-service");
    // First everything to v2, then the split: once a call reaches v1 again, the split is in force.
    await setRoutes("split-service", splitRoutes(100));
    await eventually(async () => (await servedBy(echo, 10)).get(v2.id) === 10, "all calls to v2");
    await setRoutes("split-service", splitRoutes(20));
    await eventually(async () => (await servedBy(echo, 20)).has(v1.id), "the 80/20 split to apply");
    const n = 1000;
    const counts = await servedBy(echo, n);
    assert.equal((counts.get(v1.id) ?? 0) + (counts.get(v2.id) ?? 0), n, "every call reached a subset");
    const toV2 = counts.get(v2.id) ?? 0;
    const sigma = Math.sqrt(n * 0.2 * 0.8); // binomial: ~12.6 calls
    assert.ok(
      Math.abs(toV2 - 0.2 * n) <= 4 * sigma,
      `v2 served ${toV2} of ${n} calls; expected 200 ± ${Math.round(4 * sigma)}`,
    );
  });

  test("keeps calling through a control-plane restart and resumes its subscription", async () => {
    const servers = [await echoServer(), await echoServer()];
    for (const s of servers) await register(plane.address, "restart-service", s.port);
    const echo = client("restart-service");
    await eventually(async () => (await servedBy(echo, 6)).size === 2, "calls reaching both");

    await plane.close();
    const whileDown = await servedBy(echo, 20);
    assert.equal(
      [...whileDown.values()].reduce((x, y) => x + y, 0),
      20,
      "calls served from the cached config",
    );

    plane = await startReplica();
    await eventually(
      async () =>
        (await typeStatus(TYPE_URLS.endpoints))?.ackedVersion !== undefined &&
        (await typeStatus(TYPE_URLS.endpoints))?.ackedVersion !== "",
      "the client to resubscribe to the new replica",
    );
    const third = await echoServer();
    await register(plane.address, "restart-service", third.port);
    await eventually(
      async () => (await servedBy(echo, 9)).has(third.id),
      "a change after the restart to reach the client",
    );
  });
});
