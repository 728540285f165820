import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import {
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Serving,
} from "@switchboard/core/gen/grpc/health/v1/health.js";
import { call, callError, startPlane } from "./helpers/control-plane.js";

describe("grpc.health.v1.Health", () => {
  it("answers Check for the server and each service, NOT_FOUND for others, and NOT_SERVING once stopping", async () => {
    const cp = await startPlane();
    const check = cp.health.check.bind(cp.health);
    assert.equal((await call(check, { service: "" })).status, Serving.SERVING);
    assert.equal((await call(check, { service: "switchboard.v1.Admin" })).status, Serving.SERVING);
    assert.equal((await callError(check, { service: "no.Such" })).code, status.NOT_FOUND);
    const watch = cp.health.watch({ service: "" });
    const seen: Serving[] = [];
    const ended = new Promise<void>((resolve) => {
      watch.on("data", (r: HealthCheckResponse) => seen.push(r.status));
      watch.on("end", resolve);
      watch.on("error", () => resolve());
    });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    await cp.close();
    await ended;
    assert.deepEqual(
      seen,
      [Serving.SERVING, Serving.NOT_SERVING],
      "watchers are told NOT_SERVING before the server goes",
    );
  });
});
