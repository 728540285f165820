/**
 * The xDS scenarios every other gRPC implementation is held to (xds-interop-*.test.ts run them
 * with grpc-go and with grpcio/C-core): a real control plane, real echo servers registered
 * through the Registration API, and the implementation's own xDS client in a child process.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Subscriber, XdsTypeStatus } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteRule, RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { MemoryStore } from "../../src/store/index.js";
import { freePort } from "../../src/testing/index.js";
import { TYPE_URLS } from "../../src/xds/type-urls.js";
import { splitRoutes } from "../support/route-fixtures.js";
import { call, type Running, startPlane } from "./control-plane.js";
import { type EchoServer, eventually, fetchClientStatus, register, startEchoServer } from "./xds.js";
import {
  type EchoProcess,
  type InteropClient,
  type InteropKind,
  interopLauncher,
  startEchoProcess,
  startInteropClient,
  tally,
} from "./xds-interop.js";

const NAMES: Readonly<Record<InteropKind, string>> = {
  go: "grpc-go",
  python: "grpcio (gRPC C-core, Python)",
};

/** How each implementation names itself in its xDS Node (user_agent_name). */
const USER_AGENTS: Readonly<Record<InteropKind, RegExp>> = {
  go: /^gRPC Go$/,
  python: /C-core/,
};

export function describeInterop(kind: InteropKind): void {
  describe(`${NAMES[kind]} as an xDS client of the control plane`, () => {
    // One store outlives the control plane across a restart, as Redis does for a replica.
    const store = new MemoryStore();
    let port = 0;
    let plane: Running;
    const echoServers: EchoServer[] = [];
    const echoProcesses: EchoProcess[] = [];
    const clients: InteropClient[] = [];

    const startReplica = () => startPlane({ listenAddress: `127.0.0.1:${port}`, store, closeStore: false });
    const echoServers3 = async (): Promise<[EchoServer, EchoServer, EchoServer]> => {
      const servers: [EchoServer, EchoServer, EchoServer] = [
        await startEchoServer(),
        await startEchoServer(),
        await startEchoServer(),
      ];
      echoServers.push(...servers);
      return servers;
    };
    const nodeIdOf = (service: string) => `${kind}-interop-${service}`;
    const client = async (service: string) => {
      const c = await startInteropClient(kind, { service, nodeId: nodeIdOf(service), server: plane.address });
      clients.push(c);
      return c;
    };
    const xdsSubscriber = async (service: string): Promise<Subscriber | undefined> => {
      const res = await call(plane.admin.listSubscribers.bind(plane.admin), { service: "" });
      return res.subscribers.find((s) => s.clientId === nodeIdOf(service) && s.xds !== undefined);
    };
    const typeStatus = async (service: string, typeUrl: string): Promise<XdsTypeStatus | undefined> =>
      (await xdsSubscriber(service))?.xds?.types.find((t) => t.typeUrl === typeUrl);
    const clusterAcked = async (service: string, previous: string): Promise<boolean> => {
      const t = await typeStatus(service, TYPE_URLS.cluster);
      return t !== undefined && t.ackedVersion !== previous && t.ackedVersion === t.sentVersion;
    };
    const csdsCluster = async (service: string) => {
      const csds = await fetchClientStatus(plane.address, nodeIdOf(service));
      return csds.config[0]?.generic_xds_configs.find(
        (g) => g.type_url === TYPE_URLS.cluster && g.name === service,
      );
    };
    const setPolicy = (service: string, policy: Policy) =>
      call(plane.admin.setPolicy.bind(plane.admin), { service, policy, validateOnly: false });
    /** Calls until all of `ids` answer (a new client connects to its endpoints one by one). */
    const reachesAll = (c: InteropClient, ids: readonly string[]) =>
      eventually(
        async () => {
          const { served } = tally(await c.calls(ids.length * 2));
          return ids.every((id) => served.has(id));
        },
        `calls reaching ${ids.join(", ")}`,
      );

    before(async () => {
      await interopLauncher(kind); // fails here, with what to run, if the client is not installed
      port = await freePort();
      plane = await startReplica();
    });

    after(async () => {
      for (const c of clients) await c.stop();
      for (const p of echoProcesses) await p.kill();
      for (const s of echoServers) s.kill();
      await plane.close();
      await store.close();
    });

    test("spreads calls evenly over three registered instances (round robin)", async () => {
      const servers = await echoServers3();
      for (const s of servers) await register(plane.address, "rr-service", s.port);
      const echo = await client("rr-service");
      await reachesAll(
        echo,
        servers.map((s) => s.id),
      );

      const { served, failed } = tally(await echo.calls(30));
      assert.deepEqual(failed, []);
      for (const s of servers) assert.equal(served.get(s.id), 10, `${s.id} served 10 of 30`);
      const csds = await fetchClientStatus(plane.address, nodeIdOf("rr-service"));
      assert.match(
        csds.config[0]?.node.user_agent_name ?? "",
        USER_AGENTS[kind],
        "the client is the one meant",
      );
    });

    test("drops a SIGKILLed instance with EDS and fails no call once the client acked it", async () => {
      const [a, b] = await echoServers3();
      const doomed = await startEchoProcess();
      echoProcesses.push(doomed);
      await register(plane.address, "kill-service", a.port);
      await register(plane.address, "kill-service", b.port);
      await register(plane.address, "kill-service", doomed.port, 1500); // never renewed
      const echo = await client("kill-service");
      await reachesAll(echo, [a.id, b.id, doomed.id]);

      await doomed.kill();
      await eventually(async () => {
        const svc = await call(plane.admin.getService.bind(plane.admin), { service: "kill-service" });
        return svc.endpoints.length === 2;
      }, "the killed instance's lease to run out");
      const { version } = await call(plane.admin.getService.bind(plane.admin), { service: "kill-service" });
      const propagated = await call(plane.registration.awaitPropagation.bind(plane.registration), {
        service: "kill-service",
        version,
        timeoutMs: 10_000,
      });
      assert.equal(propagated.complete, true, "the client acked the EDS without the killed instance");

      const { served, failed } = tally(await echo.calls(30));
      assert.deepEqual(failed, [], "no call failed after the ack");
      assert.deepEqual([...served.keys()].sort(), [a.id, b.id].sort());
    });

    test("follows a route table: the canary header to v2, the rest split 80/20 between subsets", async () => {
      const [a, b] = await echoServers3();
      await register(plane.address, "route-service", a.port, 120_000, { version: "v1" });
      await register(plane.address, "route-service", b.port, 120_000, { version: "v2" });
      const echo = await client("route-service");
      await reachesAll(echo, [a.id, b.id]);
      const canary = RouteRule.fromPartial({
        name: "qa",
        match: { headers: [{ name: "x-canary", kind: { $case: "exact", exact: "1" } }] },
        destinations: [{ weight: 100, target: { $case: "subset", subset: "v2" } }],
      });
      const routes = (v2Weight: number) => {
        const split = splitRoutes(v2Weight);
        return RouteTable.fromPartial({ ...split, rules: [canary, ...split.rules] });
      };
      const setRoutes = (v2Weight: number) =>
        call(plane.admin.setRoutes.bind(plane.admin), {
          service: "route-service",
          routes: routes(v2Weight),
          validateOnly: false,
        });
      const only = async (n: number, metadata?: Record<string, string>) => [
        ...tally(await echo.calls(n, metadata)).served.keys(),
      ];

      await setRoutes(0);
      await eventually(
        async () => (await only(10)).join() === a.id && (await only(10, { "x-canary": "1" })).join() === b.id,
        "the route table to apply",
      );
      assert.deepEqual(await only(50, { "x-canary": "1" }), [b.id], "every canary call reached v2");
      assert.deepEqual(await only(50), [a.id], "no other call reached v2");

      await setRoutes(20);
      await eventually(async () => (await only(20)).includes(b.id), "the 80/20 split to apply");
      const n = 1000;
      const { served, failed } = tally(await echo.calls(n));
      assert.deepEqual(failed, []);
      const toV2 = served.get(b.id) ?? 0;
      const sigma = Math.sqrt(n * 0.2 * 0.8);
      assert.ok(
        Math.abs(toV2 - 0.2 * n) <= 4 * sigma,
        `v2 served ${toV2} of ${n} calls; expected 200 ± ${Math.round(4 * sigma)}`,
      );
    });

    test("applies ring_hash on a header, then least_request, live; acked in ListSubscribers and CSDS", async () => {
      const servers = await echoServers3();
      for (const s of servers) await register(plane.address, "policy-service", s.port);
      const echo = await client("policy-service");
      await reachesAll(
        echo,
        servers.map((s) => s.id),
      );
      const first = (await typeStatus("policy-service", TYPE_URLS.cluster))?.ackedVersion ?? "";

      await setPolicy(
        "policy-service",
        Policy.fromPartial({ loadBalancing: { algorithm: 6, hashHeader: "x-user" } }),
      );
      await eventually(
        () => clusterAcked("policy-service", first),
        "the client to ack the ring_hash Cluster",
      );
      const ringVersion = (await typeStatus("policy-service", TYPE_URLS.cluster))?.ackedVersion ?? "";
      assert.equal((await csdsCluster("policy-service"))?.client_status, "ACKED");
      const users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
      const homes = new Set<string>();
      for (const user of users) {
        // The ring's subchannels connect on first use; then every call of a user goes home.
        await eventually(
          async () => tally(await echo.calls(3, { "x-user": user })).served.size === 1,
          `the calls of ${user} to settle on one instance`,
        );
        const { served, failed } = tally(await echo.calls(10, { "x-user": user }));
        assert.deepEqual(failed, []);
        assert.equal(served.size, 1, `every call of ${user} went to one instance (ring hash on x-user)`);
        homes.add([...served.keys()][0] ?? "");
      }
      assert.ok(homes.size >= 2, `the ring spreads users over instances (${homes.size} used)`);

      await setPolicy("policy-service", Policy.fromPartial({ loadBalancing: { algorithm: 4 } }));
      await eventually(
        () => clusterAcked("policy-service", ringVersion),
        "the client to ack the least_request Cluster",
      );
      const { served, failed } = tally(await echo.calls(30, { "x-user": "alice" }));
      assert.deepEqual(failed, []);
      assert.equal(served.size, 3, "the calls of one user spread again (least_request or its fallback)");
      const cluster = await csdsCluster("policy-service");
      assert.equal(cluster?.client_status, "ACKED");
      assert.equal(
        cluster?.version_info,
        (await typeStatus("policy-service", TYPE_URLS.cluster))?.ackedVersion,
      );
    });

    test("NACKs an invalid Cluster, shown in ListSubscribers and CSDS, never sent again", async () => {
      const [a, b] = await echoServers3();
      await register(plane.address, "nack-service", a.port);
      const echo = await client("nack-service");
      await reachesAll(echo, [a.id]);
      const cds = await typeStatus("nack-service", TYPE_URLS.cluster);
      const eds = await typeStatus("nack-service", TYPE_URLS.endpoints);
      assert.ok(cds && eds);

      plane.plane.xds.rejectClusterForTesting("nack-service", true);
      await eventually(
        async () => ((await typeStatus("nack-service", TYPE_URLS.cluster))?.nackCount ?? 0) === 1,
        "a NACK of the Cluster",
      );
      const nacked = await typeStatus("nack-service", TYPE_URLS.cluster);
      assert.equal(nacked?.ackedVersion, cds.ackedVersion, "the client keeps the Cluster it had");
      assert.notEqual(nacked?.lastNackVersion, cds.ackedVersion);
      assert.match(nacked?.lastNackReason ?? "", /eds.?config/i, "the client names what it rejected");
      const subscription = (await xdsSubscriber("nack-service"))?.subscriptions.find(
        (s) => s.service === "nack-service",
      );
      assert.match(subscription?.lastNackReason ?? "", /^CDS: /);
      const cluster = await csdsCluster("nack-service");
      assert.equal(cluster?.client_status, "NACKED");
      assert.equal(cluster?.error_state?.version_info, nacked?.lastNackVersion);
      assert.equal(cluster?.error_state?.details, nacked?.lastNackReason);

      // Another change to the service: EDS goes out and is used, the rejected Cluster is not resent.
      await register(plane.address, "nack-service", b.port);
      await eventually(
        async () => ((await typeStatus("nack-service", TYPE_URLS.endpoints))?.responses ?? 0) > eds.responses,
        "the new endpoint's EDS response",
      );
      await reachesAll(echo, [a.id, b.id]);
      assert.equal(
        (await typeStatus("nack-service", TYPE_URLS.cluster))?.responses,
        cds.responses + 1,
        "the rejected Cluster was sent once",
      );

      plane.plane.xds.rejectClusterForTesting("nack-service", false);
      await eventually(
        () => clusterAcked("nack-service", nacked?.lastNackVersion ?? ""),
        "the repaired Cluster to be acked",
      );
    });

    test("keeps calling through a control-plane restart and resumes its subscription", async () => {
      const [a, b, c] = await echoServers3();
      await register(plane.address, "restart-service", a.port);
      await register(plane.address, "restart-service", b.port);
      const echo = await client("restart-service");
      await reachesAll(echo, [a.id, b.id]);

      await plane.close();
      const whileDown = tally(await echo.calls(20));
      assert.deepEqual(whileDown.failed, [], "calls served from the config the client holds");
      assert.deepEqual([...whileDown.served.keys()].sort(), [a.id, b.id].sort());

      plane = await startReplica();
      await eventually(
        async () => ((await typeStatus("restart-service", TYPE_URLS.endpoints))?.ackedVersion ?? "") !== "",
        "the client to resubscribe to the restarted control plane",
      );
      await register(plane.address, "restart-service", c.port);
      await reachesAll(echo, [a.id, b.id, c.id]);
    });
  });
}
