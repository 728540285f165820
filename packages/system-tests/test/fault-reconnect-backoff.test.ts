/**
 * Regression test for a bug the fault suite found (fixed): after a control-plane outage, the
 * SDK's Discovery and Registration channels were held back by grpc-js's own subchannel backoff
 * (1 s, x1.6, up to 120 s, reset only by a successful connection) on top of the SDK's backoff,
 * so clients and instances came back later than the SDK's own cap — up to twice it even once
 * grpc-js's backoff was capped at the SDK's.
 *
 * One control plane (memory store) goes down for 10 s. Six mesh clients and four mesh servers
 * must each be back within the SDK's cap of 5 s (+0.5 s for a client, +1 s for a server to
 * register again).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ControlPlane, createControlPlane } from "@switchboard/control-plane";
import { freePort } from "@switchboard/control-plane/testing";
import { createMeshClient, createMeshServer, type MeshClient, type MeshServer } from "@switchboard/sdk";
import pino from "pino";
import { pollUntil } from "./faults/harness/registry.js";

const silent = pino({ level: "silent" });
const OUTAGE_MS = 10_000;
/** The SDK's default reconnectMaxBackoffMs, and the registrar's fixed cap. */
const SDK_CAP_MS = 5000;

describe("reconnecting to the control plane after a 10 s outage", () => {
  let port: number;
  let cp: ControlPlane;
  const defaults: MeshClient[] = [];
  const servers: MeshServer[] = [];
  let upAt = 0;
  const clientDelays = new Map<MeshClient, number | undefined>();
  const serverDelays: (number | undefined)[] = [];

  const startPlane = async () => {
    cp = createControlPlane({
      listenAddress: `127.0.0.1:${port}`,
      metricsListenAddress: "off",
      logger: silent,
    });
    await cp.start();
  };
  const client = (name: string) =>
    createMeshClient({
      controlPlane: `127.0.0.1:${port}`,
      name,
      logger: silent,
      // Each its own connection, as separate processes would have.
      controlPlaneChannelOptions: { "grpc.use_local_subchannel_pool": 1 },
    });

  before(async () => {
    port = await freePort();
    await startPlane();
    for (let i = 0; i < 6; i++) defaults.push(client(`backoff-default-${i}`));
    for (let i = 0; i < 4; i++) {
      const server = createMeshServer({
        service: "backoff-server",
        controlPlane: `127.0.0.1:${port}`,
        listen: "127.0.0.1:0",
        leaseTtlMs: 2000,
        handleSignals: false,
        logger: silent,
      });
      await server.start();
      servers.push(server);
    }
    await Promise.all(defaults.map((m) => m.waitForService("anything")));
    await cp.stop({ graceMs: 0 });
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await startPlane();
    upAt = Date.now();
    const all = defaults;
    const registered = async () => (await cp.store.getService("backoff-server")).endpoints.length;
    await pollUntil(
      async () => {
        for (const m of all) if (!clientDelays.has(m) && m.connected) clientDelays.set(m, Date.now() - upAt);
        const n = await registered();
        while (serverDelays.length < n) serverDelays.push(Date.now() - upAt);
        return clientDelays.size === all.length && n === servers.length;
      },
      30_000,
      10,
    );
  });

  after(async () => {
    for (const m of defaults) await m.close();
    await Promise.all(servers.map((s) => s.drain()));
    await cp.stop({ graceMs: 0 });
  });

  const shown = (xs: readonly (number | undefined)[]) => xs.map((x) => x ?? "never").join(", ");

  it("mesh clients are back within the SDK's 5 s cap (+0.5 s)", () => {
    const delays = defaults.map((m) => clientDelays.get(m));
    assert.ok(
      delays.every((d) => d !== undefined && d <= SDK_CAP_MS + 500),
      `back after ${shown(delays)} ms`,
    );
  });

  it("mesh servers register again within the registrar's 5 s cap (+1 s)", () => {
    assert.equal(serverDelays.length, servers.length, "every server registered again");
    assert.ok(
      serverDelays.every((d) => d !== undefined && d <= SDK_CAP_MS + 1000),
      `after ${shown(serverDelays)} ms`,
    );
  });
});
