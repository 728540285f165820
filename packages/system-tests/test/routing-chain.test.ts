import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
import { createMeshClient, createMeshServer, type MeshClient, type MeshServer } from "@switchboard/sdk";
import {
  type EchoRequest,
  type EchoResponse,
  EchoServiceClient,
  EchoServiceService,
} from "../src/gen/echo/v1/echo.js";
import { eventually, type StartedControlPlane, silent, startControlPlane } from "./support/fixture.js";
import { canaryTable, echoMany } from "./support/routes.js";

/** The chain a request travels: front -> middle -> back. */
const HOPS = ["front", "middle", "back"] as const;

describe("canary propagation along a three-hop chain of mesh servers", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  let mesh: MeshClient;
  const clients = new Map<string, EchoServiceClient>();
  const servers: MeshServer[] = [];

  /** An instance of `service` that answers "<service>:<version>", after the next hop's answer. */
  async function startHop(
    service: string,
    version: string,
    next: EchoServiceClient | undefined,
  ): Promise<void> {
    const server = createMeshServer({
      service,
      controlPlane: cp.address,
      listen: "127.0.0.1:0",
      metadata: { version },
      leaseTtlMs: 1000,
      handleSignals: false,
      drainPropagationTimeoutMs: 2000,
      logger: silent,
    });
    const me = `${service}:${version}`;
    server.addService(EchoServiceService, {
      echo(call: ServerUnaryCall<EchoRequest, EchoResponse>, done: sendUnaryData<EchoResponse>) {
        const answer = (servedBy: string) => done(null, { ...call.request, servedBy });
        if (!next) return answer(me);
        // No header set here: the mesh carries x-canary from the call being served.
        next.echo(call.request, new Metadata(), { deadline: Date.now() + 5000 }, (e, r) =>
          e ? done(e) : answer(`${me} > ${r.servedBy}`),
        );
      },
    });
    await server.start();
    servers.push(server);
  }

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
    for (const service of HOPS)
      clients.set(service, new EchoServiceClient(`mesh:///${service}`, credentials.createInsecure()));
    await Promise.all(
      HOPS.flatMap((service, i) =>
        ["v1", "v2"].map((version) => startHop(service, version, clients.get(HOPS[i + 1] ?? ""))),
      ),
    );
    const versions = await Promise.all(HOPS.map((service) => admin.setRoutes(service, canaryTable())));
    // Each channel resolves (and learns its table) before it is used inside a served call.
    for (const [i, service] of HOPS.entries()) {
      await mesh.waitForService(service);
      await eventually(
        () =>
          mesh.stats().services[service]?.routeVersion === versions[i] &&
          mesh.endpoints(service).length === 2,
        5000,
        `${service} routed`,
      );
      await echoMany(clients.get(service) as EchoServiceClient, 1, 1);
    }
  });

  after(async () => {
    for (const client of clients.values()) client.close();
    await mesh.close();
    admin.close();
    await Promise.all(servers.map((s) => s.drain()));
    await cp.stop();
  });

  it("lands a call with the canary header on v2 at every hop, and a call without it on v1", async () => {
    const front = clients.get("front") as EchoServiceClient;
    const outcomes = await echoMany(front, 60, 6, (i) => (i % 2 === 0 ? { "x-canary": "1" } : {}));
    const paths = (parity: number) =>
      new Set(outcomes.filter((_, i) => i % 2 === parity).map((o) => o.servedBy));
    assert.deepEqual(
      outcomes.filter((o) => o.code !== 0),
      [],
    );
    assert.deepEqual([...paths(0)], ["front:v2 > middle:v2 > back:v2"]);
    assert.deepEqual([...paths(1)], ["front:v1 > middle:v1 > back:v1"]);
  });
});
