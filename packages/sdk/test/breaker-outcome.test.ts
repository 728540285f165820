import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { classifyOutcome, isSlowCall } from "../src/breaker/outcome.js";

describe("call outcome classification", () => {
  const config = { failureCodes: new Set([status.UNAVAILABLE, status.CANCELLED]), slowCallMs: 200 };

  it("fails a call whose status is a failure code", () => {
    assert.equal(classifyOutcome(status.UNAVAILABLE, config), "failure");
  });

  it("counts any other answer from the endpoint as a success", () => {
    assert.equal(classifyOutcome(status.OK, config), "success");
    assert.equal(classifyOutcome(status.NOT_FOUND, config), "success");
    assert.equal(classifyOutcome(status.DEADLINE_EXCEEDED, config), "success");
  });

  it("ignores CANCELLED even when listed as a failure code: the caller gave up", () => {
    assert.equal(classifyOutcome(status.CANCELLED, config), "ignore");
  });

  it("marks calls slower than slow_call_ms as slow, and none when the trigger is off", () => {
    assert.equal(isSlowCall(201, config), true);
    assert.equal(isSlowCall(200, config), false);
    assert.equal(isSlowCall(1e9, { slowCallMs: 0 }), false);
  });
});
