import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { isMeshError } from "@switchboard/core";
import type { ServiceSnapshot } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { Fallback, RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import pino from "pino";
import { Registry } from "prom-client";
import { writeSnapshotFile } from "../src/client/snapshot-file.js";
import { createMeshClient, createMeshServer, type MeshClient, withPropagatedHeaders } from "../src/index.js";
import { header, toService, toSubset } from "./route-helpers.js";

const WHO = "/test.Echo/Who";
const identity = (b: Buffer) => b;
const ECHO: ServiceDefinition = {
  Who: {
    path: WHO,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Calls each echo server received, by name. */
const received = new Map<string, number>();
const receivedInAll = () => [...received.values()].reduce((a, b) => a + b, 0);

/** A server answering "<name> canary=<x-canary>" to test.Echo/Who. */
async function echoServer(name: string): Promise<{ server: Server; port: number }> {
  const server = new Server();
  server.addService(ECHO, {
    Who: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
      received.set(name, (received.get(name) ?? 0) + 1);
      cb(null, Buffer.from(`${name} canary=${call.metadata.get("x-canary")[0] ?? "-"}`));
    },
  });
  const port = await bind(server);
  return { server, port };
}

function bind(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
}

function endpoint(port: number, metadata: Record<string, string>) {
  return {
    id: `127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    zone: "",
    weight: 1,
    metadata,
    health: HealthStatus.HEALTH_STATUS_SERVING,
    adminDrained: false,
  };
}

const BACK_ROUTES = RouteTable.fromPartial({
  subsets: [
    { name: "v1", selector: { version: "v1" } },
    { name: "v2", selector: { version: "v2" } },
    { name: "v3", selector: { version: "v3" } },
  ],
  rules: [
    {
      name: "canary",
      match: { headers: [header("x-canary", { exact: "1" })] },
      destinations: [toSubset(100, "v2")],
    },
    {
      name: "dark",
      match: { headers: [header("x-dark", { present: true })] },
      destinations: [toSubset(100, "v3")],
      fallback: Fallback.FALLBACK_FAIL,
    },
    {
      name: "dark-soft",
      match: { headers: [header("x-soft", { present: true })] },
      destinations: [toSubset(100, "v3")],
      fallback: Fallback.FALLBACK_DEFAULT_ROUTE,
    },
    {
      name: "elsewhere",
      match: { headers: [header("x-other", { present: true })] },
      destinations: [toService(100, "other")],
    },
    {
      name: "faulty",
      match: { headers: [header("x-fault", { present: true })] },
      destinations: [toSubset(100, "v1")],
      fault: { abort: { code: "PERMISSION_DENIED", percent: 100 } },
    },
    {
      name: "slow",
      match: { headers: [header("x-slow", { present: true })] },
      destinations: [toSubset(100, "v1")],
      fault: { delay: { delayMs: 60_000, percent: 100 } },
    },
    { name: "stable", match: { method: "test.Echo" }, destinations: [toSubset(100, "v1")] },
  ],
  propagateHeaders: ["x-canary"],
});

describe("routed calls through a mesh client (real servers, state from a snapshot file)", () => {
  const servers: Server[] = [];
  let mesh: MeshClient;
  let dir: string;
  let front: Client;

  before(async () => {
    const v1 = await echoServer("v1");
    const v2 = await echoServer("v2");
    const other = await echoServer("other");
    servers.push(v1.server, v2.server, other.server);
    const snapshots: ServiceSnapshot[] = [
      {
        service: "back",
        version: 4,
        endpoints: [endpoint(v1.port, { version: "v1" }), endpoint(v2.port, { version: "v2" })],
        policy: undefined,
        emptiedByAdmin: false,
        routes: BACK_ROUTES,
      },
      {
        service: "other",
        version: 2,
        endpoints: [endpoint(other.port, {})],
        policy: undefined,
        emptiedByAdmin: false,
      },
    ];
    dir = mkdtempSync(join(tmpdir(), "switchboard-routes-"));
    writeSnapshotFile(join(dir, "state.json"), "e1", snapshots);
    mesh = createMeshClient({
      name: "routes-test",
      controlPlane: "127.0.0.1:9", // nothing listens: the client routes by the snapshot file
      snapshotFile: join(dir, "state.json"),
      registry: new Registry(),
      logger: pino({ level: "silent" }),
    });
    // A front service built with createMeshServer: its handlers run in the propagation context.
    const frontServer = createMeshServer({
      service: "front",
      controlPlane: "127.0.0.1:9",
      logger: pino({ level: "silent" }),
    });
    frontServer.addService(ECHO, {
      Who: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
        mesh.call("back", WHO, Buffer.alloc(0)).then(
          (answer) => cb(null, answer),
          (e) => cb(e),
        );
      },
    });
    servers.push(frontServer.server);
    const frontPort = await bind(frontServer.server);
    front = new Client(`127.0.0.1:${frontPort}`, credentials.createInsecure());
  });

  after(async () => {
    front.close();
    await mesh.close();
    for (const s of servers) s.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const who = (headers: Record<string, string> = {}) =>
    mesh.call("back", WHO, Buffer.alloc(0), { metadata: headers }).then(String);

  it("sends a call the canary rule matches to subset v2, and the others to v1", async () => {
    assert.equal(await who({ "x-canary": "1" }), "v2 canary=1");
    assert.equal(await who(), "v1 canary=-");
    assert.equal(await who({ "x-canary": "2" }), "v1 canary=2");
  });

  it("fails a call whose subset has no endpoint with UNAVAILABLE naming the rule and the subset", async () => {
    await assert.rejects(who({ "x-dark": "1" }), (e: unknown) => {
      assert.ok(isMeshError(e));
      assert.equal(e.code, status.UNAVAILABLE);
      assert.match(e.message, /route "dark": subset "v3" of back has no endpoint that can take calls/);
      return true;
    });
  });

  it("sends a call to the whole service when its rule falls back to the default route", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add((await who({ "x-soft": "1" })).split(" ")[0] as string);
    assert.deepEqual([...seen].sort(), ["v1", "v2"]);
  });

  it("sends a call to another mesh service when the rule names one", async () => {
    assert.equal(await who({ "x-other": "1" }), "other canary=-");
  });

  it("fails a call the abort fault hits at once with the fault's code, without sending it", async () => {
    const sent = receivedInAll();
    await assert.rejects(who({ "x-fault": "1" }), (e: unknown) => {
      assert.ok(isMeshError(e));
      assert.equal(e.code, status.PERMISSION_DENIED);
      assert.match(e.message, /fault injected by route "faulty"/);
      return true;
    });
    assert.equal(receivedInAll(), sent);
  });

  it("holds a delayed call back no longer than its deadline, and never sends it after", async () => {
    const sent = receivedInAll();
    const started = Date.now();
    const call = mesh.call("back", WHO, Buffer.alloc(0), { metadata: { "x-slow": "1" }, deadlineMs: 150 });
    await assert.rejects(call, (e: unknown) => isMeshError(e) && e.code === status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 5_000, "the 60 s delay gave way to the deadline");
    const aborted = new AbortController();
    const cancelled = mesh.call("back", WHO, Buffer.alloc(0), {
      metadata: { "x-slow": "1" },
      signal: aborted.signal,
    });
    setImmediate(() => aborted.abort());
    await assert.rejects(cancelled, (e: unknown) => isMeshError(e) && e.code === status.CANCELLED);
    await who(); // a later call on the same channel: anything held back would have been sent by now
    assert.equal(receivedInAll(), sent + 1);
  });

  it("carries propagated headers from a served call to the calls it makes (createMeshServer)", async () => {
    const ask = (md: Metadata) =>
      new Promise<string>((resolve, reject) =>
        front.makeUnaryRequest(WHO, identity, identity, Buffer.alloc(0), md, (e, r) =>
          e ? reject(e) : resolve(String(r)),
        ),
      );
    const canary = new Metadata();
    canary.set("x-canary", "1");
    assert.equal(await ask(canary), "v2 canary=1");
    assert.equal(await ask(new Metadata()), "v1 canary=-");
  });

  it("carries them by hand with withPropagatedHeaders, a caller's own value first", async () => {
    assert.equal(await withPropagatedHeaders({ "x-canary": "1" }, () => who()), "v2 canary=1");
    assert.equal(
      await withPropagatedHeaders({ "x-canary": "1" }, () => who({ "x-canary": "0" })),
      "v1 canary=0",
    );
    assert.equal(await withPropagatedHeaders({ "x-unrelated": "1" }, () => who()), "v1 canary=-");
  });

  it("counts calls per route rule and destination in stats()", async () => {
    const before = mesh.stats().services.back?.routes.canary?.v2?.calls ?? 0;
    await who({ "x-canary": "1" });
    const back = mesh.stats().services.back;
    assert.equal(back?.routes.canary?.v2?.calls, before + 1);
    assert.ok((back?.routes.dark?.v3?.errors ?? 0) >= 1);
  });
});
