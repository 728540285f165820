import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
import { type LoadBalancing_Algorithm, Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { createMeshClient, isMeshError, type MeshClient } from "@switchboard/sdk";
import { EchoRequest, EchoResponse, EchoServiceClient, EchoServiceService } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  eventually,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";

function echo(client: EchoServiceClient): Promise<{ code: number; servedBy: string }> {
  return new Promise((resolve) =>
    client.echo(
      EchoRequest.fromPartial({ message: "x" }),
      new Metadata(),
      { deadline: Date.now() + 3000 },
      (e, r) => resolve({ code: e?.code ?? 0, servedBy: r?.servedBy ?? "" }),
    ),
  );
}

describe("the Discovery stream as the SDK handles it", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  let mesh: MeshClient;
  const dir = mkdtempSync(join(tmpdir(), "switchboard-sdk-"));

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    mesh = createMeshClient({
      controlPlane: cp.address,
      logger: silent,
      clientId: "stream-test",
      snapshotFile: join(dir, "mesh.json"),
    });
  });

  after(async () => {
    await mesh.close();
    admin.close();
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("NACKs an invalid policy with the reason, keeps the last good one, and shows it in ListSubscribers", async () => {
    const instance = await startEchoInstance(cp.address, { service: "nack" });
    try {
      const good = await admin.setPolicy("nack", { loadBalancing: { algorithm: 5 } });
      await mesh.waitForService("nack");
      await eventually(() => (mesh.stats().services.nack?.version ?? 0) >= good, 5000, "good policy");
      // A newer control plane (or a hand edit of the store) can carry what this SDK cannot apply.
      await cp.cp.store.setPolicy(
        "nack",
        Policy.fromPartial({ loadBalancing: { algorithm: 42 as LoadBalancing_Algorithm } }),
      );
      let reason = "";
      await eventually(
        async () => {
          const subs = await admin.listSubscribers("nack");
          const s = subs.subscribers
            .find((x) => x.clientId === "stream-test")
            ?.subscriptions.find((x) => x.service === "nack");
          reason = s?.lastNackReason ?? "";
          return (s?.nackCount ?? 0) >= 1;
        },
        5000,
        "the NACK to show in ListSubscribers",
      );
      assert.match(reason, /policy\.load_balancing\.algorithm: unknown load-balancing algorithm/);
      assert.equal(mesh.stats().services.nack?.loadBalancing, "peak_ewma", "the last good policy is kept");
      const client = new EchoServiceClient("mesh:///nack", credentials.createInsecure());
      assert.equal((await echo(client)).code, 0, "calls still work");
      client.close();
    } finally {
      await instance.server.drain();
    }
  });

  it("keeps the last endpoints when an update would empty the service, unless an operator removed them", async () => {
    const instance = await startEchoInstance(cp.address, { service: "stable" });
    await mesh.waitForService("stable");
    await eventually(() => mesh.endpoints("stable").length === 1, 5000, "one endpoint");
    await instance.server.drain(); // deregisters: the control plane now lists no endpoint
    await eventually(() => mesh.stats().services.stable?.stale === true, 5000, "static stability to hold");
    assert.equal(mesh.endpoints("stable").length, 1);

    const second = await startEchoInstance(cp.address, { service: "stable" });
    await eventually(
      () =>
        mesh
          .endpoints("stable")
          .map((e) => e.id)
          .join() === second.address,
      5000,
      "the new truth",
    );
    assert.equal(mesh.stats().services.stable?.stale, false);
    await admin.removeEndpoint("stable", second.address);
    await eventually(() => mesh.endpoints("stable").length === 0, 5000, "an operator's removal to apply");
    await second.server.drain();
  });

  it("starts from the snapshot file when the control plane cannot be reached", async () => {
    const instance = await startEchoInstance(cp.address, { service: "cold" });
    try {
      await mesh.waitForService("cold");
      await eventually(() => mesh.endpoints("cold").length === 1, 5000, "one endpoint");
      await new Promise((r) => setTimeout(r, 400)); // the file is written after updates settle (200 ms)
      const offline = createMeshClient({
        name: "offline",
        controlPlane: "127.0.0.1:1",
        logger: silent,
        snapshotFile: join(dir, "mesh.json"),
      });
      try {
        assert.deepEqual(
          offline.endpoints("cold").map((e) => e.id),
          [instance.address],
        );
        const reply = await offline.call(
          "cold",
          EchoServiceService.echo,
          EchoRequest.fromPartial({ message: "hi" }),
          {
            deadlineMs: 3000,
          },
        );
        assert.equal(reply.servedBy, instance.address);
      } finally {
        await offline.close();
      }
    } finally {
      await instance.server.drain();
    }
  });

  it("offers untyped calls: a generated method definition, or a path with raw bytes, cancellable by AbortSignal", async () => {
    const instance = await startEchoInstance(cp.address, { service: "dyn" });
    try {
      const typed = await mesh.call(
        "dyn",
        EchoServiceService.echo,
        EchoRequest.fromPartial({ message: "typed" }),
      );
      assert.equal(typed.message, "typed");
      const bytes = Buffer.from(EchoRequest.encode(EchoRequest.fromPartial({ message: "raw" })).finish());
      const raw = await mesh.call("dyn", "/echo.v1.EchoService/Echo", bytes);
      assert.equal(EchoResponse.decode(raw).message, "raw");
      const controller = new AbortController();
      const slow = mesh.call(
        "dyn",
        EchoServiceService.echo,
        EchoRequest.fromPartial({ message: "slow", delayMs: 2000 }),
        {
          signal: controller.signal,
        },
      );
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(slow, (e: unknown) => isMeshError(e) && e.code === status.CANCELLED);
      const late = mesh.call("dyn", EchoServiceService.echo, EchoRequest.fromPartial({ delayMs: 500 }), {
        deadlineMs: 50,
      });
      await assert.rejects(late, (e: unknown) => isMeshError(e) && e.code === status.DEADLINE_EXCEEDED);
    } finally {
      await instance.server.drain();
    }
  });

  it("fails calls to a service with no endpoints with UNAVAILABLE naming the service", async () => {
    await assert.rejects(
      mesh.call("nobody-home", EchoServiceService.echo, EchoRequest.fromPartial({}), { deadlineMs: 3000 }),
      (e: unknown) => isMeshError(e) && e.code === status.UNAVAILABLE && /nobody-home/.test(e.details),
    );
  });
});

describe("a service instance registered through createMeshServer", () => {
  let cp: StartedControlPlane;
  let instance: EchoInstance;

  before(async () => {
    cp = await startControlPlane();
    instance = await startEchoInstance(cp.address, { service: "lease", leaseTtlMs: 600 });
  });

  after(async () => {
    await instance.server.drain();
    await cp.stop();
  });

  it("keeps its lease alive well past the TTL", async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const state = await cp.cp.store.getService("lease");
    assert.deepEqual(
      state.endpoints.map((e) => e.id),
      [instance.address],
    );
  });

  it("registers again when its lease is lost (the store forgot it)", async () => {
    const before = await cp.cp.store.getService("lease");
    const lease = before.endpoints[0]?.leaseId ?? "";
    await cp.cp.store.deregister(lease);
    await eventually(
      async () => (await cp.cp.store.getService("lease")).endpoints.length === 1,
      5000,
      "re-registration",
    );
    const after = await cp.cp.store.getService("lease");
    assert.notEqual(after.endpoints[0]?.leaseId, lease);
  });
});
