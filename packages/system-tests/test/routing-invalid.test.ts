import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import {
  type EchoInstance,
  eventually,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";
import { echoMany, splitTable, toSubset, VERSION_SUBSETS } from "./support/routes.js";

const SERVICE = "user-service";

/** Weights adding up to 90: refused by Admin, NACKed by a client. */
const BAD_WEIGHTS = {
  subsets: VERSION_SUBSETS,
  rules: [{ name: "split", destinations: [toSubset(80, "v1"), toSubset(10, "v2")] }],
};

describe("an invalid route table", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  let instances: EchoInstance[];
  let mesh: MeshClient;
  let client: EchoServiceClient;
  let goodVersion: number;
  const versionOf = new Map<string, string>();

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    instances = await Promise.all(
      ["v1", "v2"].map((version) =>
        startEchoInstance(cp.address, { service: SERVICE, metadata: { version } }),
      ),
    );
    for (const [i, version] of ["v1", "v2"].entries())
      versionOf.set((instances[i] as EchoInstance).address, version);
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
    client = new EchoServiceClient(`mesh:///${SERVICE}`, credentials.createInsecure());
    await mesh.waitForService(SERVICE);
    goodVersion = await admin.setRoutes(SERVICE, splitTable(100));
    await eventually(
      () => mesh.stats().services[SERVICE]?.routeVersion === goodVersion,
      5000,
      "routes applied",
    );
  });

  after(async () => {
    client.close();
    await mesh.close();
    admin.close();
    await Promise.all(instances.map((i) => i.server.drain()));
    await cp.stop();
  });

  const onV2Only = async () => {
    const outcomes = await echoMany(client, 40, 4);
    assert.deepEqual(
      outcomes.filter((o) => o.code !== 0),
      [],
    );
    assert.deepEqual(new Set(outcomes.map((o) => versionOf.get(o.servedBy))), new Set(["v2"]));
  };

  it("is refused by Admin with INVALID_ARGUMENT naming the field, and nothing is stored", async () => {
    const refused = await admin.setRoutes(SERVICE, BAD_WEIGHTS).then(
      () => assert.fail("SetRoutes accepted weights adding up to 90"),
      (e: ServiceError) => e,
    );
    assert.equal(refused.code, status.INVALID_ARGUMENT);
    assert.match(refused.details, /routes\.rules\[0\]\.destinations: weights add up to 90/);
    const unknown = { ...splitTable(10), rules: [{ name: "x", destinations: [toSubset(100, "v9")] }] };
    const refusedSubset = await admin.setRoutes(SERVICE, unknown).then(
      () => assert.fail("SetRoutes accepted an unknown subset"),
      (e: ServiceError) => e,
    );
    assert.equal(refusedSubset.code, status.INVALID_ARGUMENT);
    assert.match(
      refusedSubset.details,
      /routes\.rules\[0\]\.destinations\[0\]\.subset: "v9" is not a subset/,
    );
    assert.equal((await cp.cp.store.getService(SERVICE)).routes?.routeVersion, goodVersion);
    await onV2Only();
  });

  it("written to the store anyway, is NACKed by the client, which keeps routing by the last good table", async () => {
    const { version: badVersion } = await cp.cp.store.setRoutes(SERVICE, RouteTable.fromPartial(BAD_WEIGHTS));
    let reason = "";
    await eventually(
      async () => {
        const { subscribers } = await admin.listSubscribers(SERVICE);
        const subscription = subscribers.flatMap((s) => s.subscriptions).find((s) => s.service === SERVICE);
        reason = subscription?.lastNackVersion === badVersion ? subscription.lastNackReason : "";
        return reason !== "";
      },
      5000,
      "the NACK in ListSubscribers",
    );
    assert.match(
      reason,
      /invalid route table for user-service: routes\.rules\[0\]\.destinations: weights add up to 90/,
    );
    assert.equal(mesh.stats().services[SERVICE]?.routeVersion, goodVersion);
    await onV2Only();
  });
});
