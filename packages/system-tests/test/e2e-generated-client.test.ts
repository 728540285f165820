import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata } from "@grpc/grpc-js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { Registry } from "prom-client";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";

function echo(client: EchoServiceClient, message: string, deadlineMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    client.echo(
      { message, payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (e, r) => (e ? reject(e) : resolve(r.servedBy)),
    );
  });
}

describe("a stock generated client pointed at mesh:///echo", () => {
  let cp: StartedControlPlane;
  let instances: EchoInstance[];
  let mesh: MeshClient;
  let client: EchoServiceClient;
  const registry = new Registry();

  before(async () => {
    cp = await startControlPlane();
    instances = await Promise.all([
      startEchoInstance(cp.address),
      startEchoInstance(cp.address),
      startEchoInstance(cp.address),
    ]);
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent, registry });
    client = new EchoServiceClient("mesh:///echo", credentials.createInsecure());
  });

  after(async () => {
    client.close();
    await mesh.close();
    await Promise.all(instances.map((i) => i.server.drain()));
    await cp.stop();
  });

  it("reaches every registered instance, round robin by default", async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const servedBy = await echo(client, `hello ${i}`);
      seen.set(servedBy, (seen.get(servedBy) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), instances.map((i) => i.address).sort());
    for (const n of seen.values()) assert.ok(n >= 15 && n <= 25, `uneven spread: ${[...seen.values()]}`);
  });

  it("records per-method stats with percentiles", async () => {
    const stats = mesh.stats().services.echo;
    assert.ok(stats);
    const method = stats.methods["echo.v1.EchoService/Echo"];
    assert.ok(method, `methods: ${Object.keys(stats.methods)}`);
    assert.ok(method.requests >= 60);
    assert.equal(method.successRate, 1);
    assert.ok(method.latencyMs.p99 >= method.latencyMs.p50);
    assert.equal(stats.endpoints.length, 3);
  });

  it("exports switchboard_client_* series on the registry it was given", async () => {
    const text = await registry.metrics();
    assert.match(
      text,
      /switchboard_client_requests_total\{service="echo",method="echo.v1.EchoService\/Echo",code="OK"\} (\d+)/,
    );
    assert.match(
      text,
      /switchboard_client_request_duration_seconds_bucket\{le="0.005",service="echo",method="echo.v1.EchoService\/Echo"\}/,
    );
    assert.match(text, /switchboard_client_endpoints\{service="echo",health="SERVING"\} 3/);
    assert.match(text, /switchboard_client_control_plane_connected 1/);
    assert.match(text, /switchboard_client_last_update_age_seconds \d/);
  });
});
