import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { CallStats } from "../src/stats/call-stats.js";
import { CallStatsTable } from "../src/stats/call-stats-table.js";

describe("call stats", () => {
  it("summarises requests, successes, errors by status name, success rate, latency and retries", () => {
    const stats = new CallStats();
    for (let i = 1; i <= 96; i++) stats.record(status.OK, i);
    stats.record(status.UNAVAILABLE, 200);
    stats.record(status.UNAVAILABLE, 300);
    stats.record(status.DEADLINE_EXCEEDED, 1_000);
    stats.record(status.NOT_FOUND, 2);
    stats.recordRetry();
    stats.recordRetry();
    const snapshot = stats.snapshot();
    assert.equal(snapshot.requests, 100);
    assert.equal(snapshot.successes, 96);
    assert.deepEqual(snapshot.errorsByCode, { UNAVAILABLE: 2, DEADLINE_EXCEEDED: 1, NOT_FOUND: 1 });
    assert.equal(snapshot.successRate, 0.96);
    assert.equal(snapshot.retries, 2);
    assert.ok(Math.abs(snapshot.latencyMs.p50 - 49) <= 0.5, String(snapshot.latencyMs.p50));
    assert.ok(Math.abs(snapshot.latencyMs.p95 - 94) <= 1, String(snapshot.latencyMs.p95));
    assert.ok(Math.abs(snapshot.latencyMs.p99 - 300) <= 3, String(snapshot.latencyMs.p99));
  });

  it("reports a success rate of 1 and zero latencies before any call ends", () => {
    const snapshot = new CallStats().snapshot();
    assert.equal(snapshot.successRate, 1);
    assert.deepEqual(snapshot.latencyMs, { p50: 0, p95: 0, p99: 0 });
    assert.deepEqual(snapshot.errorsByCode, {});
  });

  it("counts a status code outside the gRPC set under its number", () => {
    const stats = new CallStats();
    stats.record(99, 1);
    assert.deepEqual(stats.snapshot().errorsByCode, { "99": 1 });
    assert.equal(stats.countFor(99), 1);
  });

  it("forgets everything on reset", () => {
    const stats = new CallStats();
    stats.record(status.INTERNAL, 1);
    stats.recordRetry();
    stats.reset();
    assert.deepEqual(stats.snapshot(), new CallStats().snapshot());
  });
});

describe("call stats table", () => {
  it("keeps one stats object per service and method and snapshots them all", () => {
    const table = new CallStatsTable();
    const get = table.forMethod("user-service", "/users.v1.Users/Get");
    assert.equal(table.forMethod("user-service", "/users.v1.Users/Get"), get);
    get.record(status.OK, 3);
    table.forMethod("user-service", "/users.v1.Users/List").record(status.INTERNAL, 4);
    const snapshot = table.snapshot();
    assert.equal(snapshot["user-service"]?.["/users.v1.Users/Get"]?.successes, 1);
    assert.deepEqual(snapshot["user-service"]?.["/users.v1.Users/List"]?.errorsByCode, { INTERNAL: 1 });
    table.deleteService("user-service");
    assert.deepEqual(table.snapshot(), {});
  });
});
