import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { MeshStats } from "@switchboard/sdk";
import { OrderServiceClient, type PlaceOrderResponse } from "../src/gen/demo/order/v1/order.js";
import { UserServiceClient } from "../src/gen/demo/user/v1/user.js";
import { type RunningOrderService, startOrderService } from "../src/order-service/order-service.js";
import { type RunningUserService, startUserService } from "../src/user-service/user-service.js";
import { eventually, type StartedControlPlane, silent, startControlPlane } from "./support/mesh.js";

function placeOrder(client: OrderServiceClient, userId: string, quantity = 1): Promise<PlaceOrderResponse> {
  return new Promise((resolve, reject) =>
    client.placeOrder(
      { userId, item: "lamp", quantity },
      new Metadata(),
      { deadline: Date.now() + 5000 },
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
}

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (e) {
    return e as ServiceError;
  }
  assert.fail("expected the call to fail");
}

describe("the user and order services in a mesh", () => {
  let cp: StartedControlPlane;
  let users: RunningUserService[];
  let order: RunningOrderService;
  let client: OrderServiceClient;

  before(async () => {
    cp = await startControlPlane();
    const start = (name: string) =>
      startUserService({
        name,
        controlPlane: cp.address,
        leaseTtlMs: 1000,
        behaviour: { latencyMs: 0, failureRate: 0 },
        logger: silent,
      });
    users = [await start("user-a"), await start("user-b")];
    order = await startOrderService({ controlPlane: cp.address, statsPort: 0, logger: silent });
    client = new OrderServiceClient(order.address, credentials.createInsecure());
    await eventually(() => order.mesh.endpoints("user-service").length === 2, "both user-service endpoints");
  });

  after(async () => {
    client.close();
    await order.stop();
    await Promise.all(users.map((u) => u.server.drain()));
    await cp.stop();
  });

  it("places an order through the mesh and says which user-service instance answered", async () => {
    const reply = await placeOrder(client, "42");
    assert.match(reply.orderId, /^[0-9a-f-]{36}$/);
    assert.ok(reply.userName.length > 0);
    assert.ok(
      users.some((u) => u.address === reply.userServedBy),
      `served by ${reply.userServedBy}`,
    );
  });

  it("spreads the user lookups over every instance", async () => {
    const servedBy = new Set<string>();
    for (let i = 1; i <= 20; i++) servedBy.add((await placeOrder(client, String(i))).userServedBy);
    assert.deepEqual([...servedBy].sort(), users.map((u) => u.address).sort());
  });

  it("rejects an order without a user or a quantity, and relays NOT_FOUND for an unknown user", async () => {
    assert.equal((await rejection(placeOrder(client, ""))).code, status.INVALID_ARGUMENT);
    assert.equal((await rejection(placeOrder(client, "7", 0))).code, status.INVALID_ARGUMENT);
    const missing = await rejection(placeOrder(client, "100000"));
    assert.equal(missing.code, status.NOT_FOUND);
    assert.match(missing.details, /user lookup failed: no user with id "100000"/);
  });

  it("fails with UNAVAILABLE, naming the instance, while the failure rate is 1", async () => {
    for (const u of users) u.behaviour.failureRate = 1;
    try {
      const error = await rejection(placeOrder(client, "3"));
      assert.equal(error.code, status.UNAVAILABLE);
      assert.match(error.details, /injected failure from user-[ab] \(failure-rate 1\)/);
    } finally {
      for (const u of users) u.behaviour.failureRate = 0;
    }
  });

  it("serves its mesh client's stats() as JSON on GET /stats", async () => {
    const response = await fetch(order.statsUrl as string);
    assert.equal(response.status, 200);
    const stats = (await response.json()) as MeshStats;
    const service = stats.services["user-service"];
    assert.ok(service);
    assert.equal(service.endpoints.length, 2);
    assert.ok((service.methods["demo.user.v1.UserService/GetUser"]?.requests ?? 0) > 0);
    assert.equal((await fetch(new URL("/other", order.statsUrl as string))).status, 404);
  });

  it("streams ListUsers from a user-service instance, capped at 100", async () => {
    const direct = new UserServiceClient(
      (users[0] as RunningUserService).address,
      credentials.createInsecure(),
    );
    try {
      const names: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = direct.listUsers({ limit: 500 });
        stream.on("data", (m: { user?: { name: string } }) => names.push(m.user?.name ?? ""));
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      assert.equal(names.length, 100);
    } finally {
      direct.close();
    }
  });
});
