/**
 * Separate bearer tokens for admin, registration and discovery, as the SDK meets them: the real
 * control-plane process with all three tokens set (from the environment, logging at trace), a
 * mesh server and a mesh client in this process. No token may ever appear in any log.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { type ControlPlaneProcess, launchControlPlane } from "@switchboard/control-plane/testing";
import { type HealthCheckResponse, HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { AdminClient } from "@switchboard/core/gen/switchboard/v1/admin.js";
import {
  createMeshClient,
  createMeshServer,
  isMeshError,
  type MeshClient,
  type MeshServer,
} from "@switchboard/sdk";
import { pino } from "pino";

const TOKENS = { admin: "sec-admin-4d1f9a", registration: "sec-reg-77b2c0", discovery: "sec-disc-0e93aa" };

function capture(): { logger: pino.Logger; text: () => string } {
  let text = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level: "trace" }, sink), text: () => text };
}

function check(client: HealthClient, deadlineMs = 3000): Promise<{ code: number; details: string }> {
  return new Promise((resolve) =>
    client.check(
      { service: "" },
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (e: ServiceError | null, r?: HealthCheckResponse) =>
        resolve({ code: e?.code ?? status.OK, details: e?.details ?? String(r?.status) }),
    ),
  );
}

describe("scoped bearer tokens, seen from the SDK", () => {
  let bin: ControlPlaneProcess;
  const sdkLogs = capture();
  const cleanup: (() => unknown)[] = [];

  before(async () => {
    bin = await launchControlPlane({
      args: ["--log-level", "trace"],
      env: {
        SWITCHBOARD_ADMIN_TOKEN: TOKENS.admin,
        SWITCHBOARD_REGISTRATION_TOKEN: TOKENS.registration,
        SWITCHBOARD_DISCOVERY_TOKEN: TOKENS.discovery,
      },
    });
  });
  after(async () => {
    for (const fn of cleanup.reverse()) await fn();
    assert.equal((await bin.stop()).code, 0);
  });

  const meshServer = (token: string | undefined, service = "secure"): MeshServer => {
    const server = createMeshServer({
      service,
      controlPlane: bin.address,
      listen: "127.0.0.1:0",
      handleSignals: false,
      startupRegistrationTimeoutMs: 2000,
      logger: sdkLogs.logger,
      ...(token !== undefined ? { token } : {}),
    });
    return server;
  };

  it("registers a mesh server that has the registration token", async () => {
    const server = meshServer(TOKENS.registration);
    const started = await server.start();
    cleanup.push(() => server.drain());
    assert.equal(started.registered, true);
  });

  it("refuses a mesh server without it, or with another scope's token, clearly and at once", async () => {
    for (const token of [undefined, TOKENS.discovery, TOKENS.admin, "guess"]) {
      const server = meshServer(token, "intruder");
      const error = await server.start().then(
        () => assert.fail(`a mesh server with token ${token ?? "none"} started`),
        (e: unknown) => e,
      );
      assert.ok(isMeshError(error), String(error));
      assert.equal(error.code, status.UNAUTHENTICATED);
      assert.match(error.message, /registration refused: .*SWITCHBOARD_REGISTRATION_TOKEN/);
    }
    const admin = new AdminClient(bin.address, credentials.createInsecure());
    const md = new Metadata();
    md.set("authorization", `Bearer ${TOKENS.admin}`);
    const listed = await new Promise<string[]>((resolve, reject) =>
      admin.listServices({}, md, (e, r) => (e ? reject(e) : resolve(r.services.map((s) => s.service)))),
    );
    admin.close();
    assert.ok(!listed.includes("intruder"), "nothing was registered");
  });

  it("serves a mesh client that has the discovery token, end to end", async () => {
    const mesh: MeshClient = createMeshClient({
      controlPlane: bin.address,
      token: TOKENS.discovery,
      name: "with-token",
      logger: sdkLogs.logger,
    });
    cleanup.push(() => mesh.close());
    await mesh.waitForService("secure", { timeoutMs: 5000 });
    assert.equal(mesh.endpoints("secure").length, 1);
    const health = new HealthClient("mesh://with-token/secure", credentials.createInsecure());
    cleanup.push(() => health.close());
    assert.deepEqual(await check(health), { code: status.OK, details: "1" });
  });

  describe("a mesh client without the discovery token", () => {
    let mesh: MeshClient;
    let health: HealthClient;
    before(() => {
      mesh = createMeshClient({ controlPlane: bin.address, name: "no-token", logger: sdkLogs.logger });
      health = new HealthClient("mesh://no-token/secure", credentials.createInsecure());
    });
    after(async () => {
      health.close();
      await mesh.close();
    });

    it("gets no endpoint, and its calls fail", async () => {
      const outcome = await check(health, 1500);
      assert.notEqual(outcome.code, status.OK);
      assert.equal(mesh.connected, false);
      assert.deepEqual(mesh.endpoints("secure"), []);
    });

    it("logs why (the control plane's UNAUTHENTICATED message)", () => {
      assert.match(
        sdkLogs.text(),
        /"mesh":"no-token".*discovery calls need \\"authorization: Bearer <token>\\"/,
      );
    });

    it("says why in waitForService's error and in the calls' status", async () => {
      const waited = await mesh.waitForService("secure", { timeoutMs: 1500 }).then(
        () => "resolved",
        (e: unknown) => String(e),
      );
      assert.match(waited, /token|UNAUTHENTICATED|authorization/);
      const outcome = await check(health, 1500);
      assert.match(outcome.details, /token|UNAUTHENTICATED|authorization/);
    });
  });

  it("never logs a token, in the control plane's logs or the SDK's", () => {
    const logs = `${bin.child.lines.join("\n")}\n${sdkLogs.text()}`;
    // The refused and accepted calls were logged, so the check below means something.
    assert.ok(
      bin.child.lines.some((l) => l.includes('"code":"UNAUTHENTICATED"')),
      "the control plane logged refusals",
    );
    assert.ok(
      bin.child.lines.some((l) => l.includes('"msg":"endpoint registered"')),
      "and registrations",
    );
    assert.match(sdkLogs.text(), /"msg":"registered"/);
    for (const [scope, token] of Object.entries(TOKENS))
      assert.ok(!logs.includes(token), `the ${scope} token was logged`);
  });
});
