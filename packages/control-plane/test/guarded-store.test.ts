import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { isMeshError } from "@switchboard/core";
import { pino } from "pino";
import { Registry } from "prom-client";
import { isControlPlaneError } from "../src/errors.js";
import { guardStore } from "../src/guarded-store.js";
import { ControlPlaneMetrics } from "../src/metrics.js";
import { MemoryStore } from "../src/store/index.js";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail("expected the call to fail"),
    (e: unknown) => e,
  );
}

describe("the guarded store", () => {
  it("answers UNAVAILABLE when the store is unreachable and keeps the store's error as the cause", async () => {
    const store = new MemoryStore();
    await store.close();
    const metrics = new ControlPlaneMetrics(new Registry());
    const guarded = guardStore(store, metrics, pino({ level: "silent" }));

    const underneath = await rejection(store.epoch());
    const error = await rejection(guarded.epoch());

    assert.ok(isControlPlaneError(error), `expected a ControlPlaneError, got ${String(error)}`);
    assert.ok(isMeshError(error), "a ControlPlaneError is a MeshError");
    assert.equal(error.code, status.UNAVAILABLE);
    assert.match(
      error.details,
      /registry store unavailable during epoch \(store unavailable: the memory store is closed\)/,
    );
    assert.ok(isMeshError(error.cause), `the cause is the store's MeshError, got ${String(error.cause)}`);
    assert.equal(error.cause.code, (underneath as { code: number }).code);
    assert.equal(error.cause.details, (underneath as { details: string }).details);
  });

  it("keeps the status of a store error other than UNAVAILABLE, with the store's error as the cause", async () => {
    const store = new MemoryStore();
    const guarded = guardStore(store, new ControlPlaneMetrics(new Registry()), pino({ level: "silent" }));
    const error = await rejection(guarded.expireLeases(-1, 10));

    assert.ok(isControlPlaneError(error));
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.ok(isMeshError(error.cause));
    assert.equal(error.cause.code, status.INVALID_ARGUMENT);
    await store.close();
  });
});
