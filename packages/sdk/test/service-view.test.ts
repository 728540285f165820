import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import type {
  ServiceDelta,
  ServiceSnapshot,
  WatchRequest,
  WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { type Endpoint, HealthStatus, RemovalReason } from "@switchboard/core/gen/switchboard/v1/types.js";
import pino from "pino";
import { applyResponse } from "../src/client/apply-response.js";
import { Backoff } from "../src/client/backoff.js";
import type { ServiceRuntime } from "../src/client/service-runtime.js";
import { ServiceView } from "../src/client/service-view.js";
import { deadlineFromMetadata } from "../src/grpc/call-context.js";

function endpoint(port: number, health = HealthStatus.HEALTH_STATUS_SERVING): Endpoint {
  return {
    id: `10.0.0.1:${port}`,
    host: "10.0.0.1",
    port,
    zone: "a",
    weight: 1,
    metadata: {},
    health,
    adminDrained: false,
  };
}

function snapshot(version: number, ports: number[], extra: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    service: "users",
    version,
    endpoints: ports.map((p) => endpoint(p)),
    policy: undefined,
    emptiedByAdmin: false,
    ...extra,
  };
}

function delta(from: number, to: number, extra: Partial<ServiceDelta> = {}): ServiceDelta {
  return {
    service: "users",
    fromVersion: from,
    version: to,
    upserted: [],
    removed: [],
    policyUpdate: undefined,
    ...extra,
  };
}

describe("ServiceView", () => {
  it("applies a snapshot: endpoints, policy, version and epoch", () => {
    const view = new ServiceView("users");
    const outcome = view.applySnapshot(
      snapshot(3, [1, 2], { policy: { loadBalancing: { algorithm: 5, hashHeader: "" }, methods: {} } }),
      "e1",
    );
    assert.equal(outcome.rejected, undefined);
    assert.ok(outcome.endpointsChanged && outcome.policyChanged);
    assert.deepEqual(
      view.endpoints.map((e) => e.port),
      [1, 2],
    );
    assert.equal(view.policy.loadBalancing.algorithm, "peak_ewma");
    assert.equal(view.version, 3);
    assert.equal(view.epoch, "e1");
  });

  it("rejects an invalid policy with the field and reason, applies the endpoints, keeps the last good policy", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(1, [1], { policy: { timeoutMs: 500, methods: {} } }), "e1");
    const bad = { policyUpdate: { policy: { timeoutMs: 0, methods: {} } }, upserted: [endpoint(2)] };
    const outcome = view.applyDelta(delta(1, 2, bad));
    assert.match(outcome.rejected ?? "", /policy\.timeout_ms: must be between 1 and 3600000 \(got 0\)/);
    assert.equal(view.policy.timeoutMs, 500);
    assert.deepEqual(
      view.endpoints.map((e) => e.port),
      [1, 2],
    );
    assert.equal(view.version, 2);
  });

  it("applies deltas: upserts replace, removals drop, health is carried", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(1, [1, 2]), "e1");
    view.applyDelta(
      delta(1, 2, {
        upserted: [endpoint(1, HealthStatus.HEALTH_STATUS_DRAINING)],
        removed: [{ id: "10.0.0.1:2", reason: RemovalReason.REMOVAL_REASON_EXPIRED }],
      }),
    );
    assert.deepEqual(
      view.endpoints.map((e) => [e.port, e.health]),
      [[1, "DRAINING"]],
    );
  });

  it("keeps the last endpoints when an update would empty the service for any reason but an operator's", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(1, [1, 2]), "e1");
    const outcome = view.applyDelta(
      delta(1, 2, {
        removed: [
          { id: "10.0.0.1:1", reason: RemovalReason.REMOVAL_REASON_EXPIRED },
          { id: "10.0.0.1:2", reason: RemovalReason.REMOVAL_REASON_ADMIN_REMOVED },
        ],
      }),
    );
    assert.match(outcome.rejected ?? "", /would remove every endpoint of users; keeping the last 2/);
    assert.equal(view.endpoints.length, 2);
    assert.equal(view.stale, true);
    // The next real endpoint replaces the stale ones: the view follows the truth again.
    view.applyDelta(delta(2, 3, { upserted: [endpoint(9)] }));
    assert.deepEqual(
      view.endpoints.map((e) => e.port),
      [9],
    );
    assert.equal(view.stale, false);
  });

  it("applies an emptying update when an operator removed the endpoints", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(1, [1]), "e1");
    const outcome = view.applyDelta(
      delta(1, 2, { removed: [{ id: "10.0.0.1:1", reason: RemovalReason.REMOVAL_REASON_ADMIN_REMOVED }] }),
    );
    assert.equal(outcome.rejected, undefined);
    assert.equal(view.endpoints.length, 0);
    view.applySnapshot(snapshot(5, [3]), "e2");
    assert.equal(view.applySnapshot(snapshot(6, [], { emptiedByAdmin: true }), "e2").rejected, undefined);
    assert.equal(view.endpoints.length, 0);
  });

  it("keeps the last endpoints on an empty snapshot not emptied by an operator (a wiped store)", () => {
    const view = new ServiceView("users");
    view.applySnapshot(snapshot(7, [1, 2]), "e1");
    assert.ok(view.applySnapshot(snapshot(1, []), "e2").rejected);
    assert.equal(view.endpoints.length, 2);
    assert.equal(view.epoch, "e2", "the new epoch is still adopted, so resume versions stay comparable");
  });
});

describe("applyResponse", () => {
  const logger = pino({ level: "silent" });

  function setup() {
    const view = new ServiceView("users");
    const calls: string[] = [];
    const runtime = {
      view,
      applied: () => calls.push("applied"),
      subscriptionFailed: (reason: string) => calls.push(`failed:${reason}`),
    } as unknown as ServiceRuntime;
    return { view, calls, runtimeOf: (s: string) => (s === "users" ? runtime : undefined) };
  }

  const kinds = (messages: readonly WatchRequest[]) => messages.map((m) => m.kind?.$case);

  it("ACKs what it applied and NACKs what it rejected, with the reason", () => {
    const { runtimeOf, calls } = setup();
    const ok: WatchResponse = {
      nonce: "n1",
      epoch: "e1",
      kind: { $case: "snapshot", snapshot: snapshot(1, [1]) },
    };
    assert.deepEqual(applyResponse(ok, runtimeOf, logger).messages, [
      { kind: { $case: "ack", ack: { nonce: "n1" } } },
    ]);
    const bad: WatchResponse = {
      nonce: "n2",
      epoch: "e1",
      kind: {
        $case: "delta",
        delta: delta(1, 2, {
          policyUpdate: { policy: { loadBalancing: { algorithm: 6, hashHeader: "" }, methods: {} } },
        }),
      },
    };
    const reply = applyResponse(bad, runtimeOf, logger);
    assert.equal(reply.nack, true);
    const nack = reply.messages[0]?.kind;
    assert.ok(nack?.$case === "nack");
    assert.equal(nack.nack.nonce, "n2");
    assert.match(nack.nack.reason, /hash_header: is required for ring_hash/);
    assert.deepEqual(calls, ["applied", "applied"]);
  });

  it("resubscribes from scratch when a delta does not follow the version held", () => {
    const { runtimeOf, view } = setup();
    view.applySnapshot(snapshot(4, [1]), "e1");
    const gap: WatchResponse = { nonce: "n3", epoch: "e1", kind: { $case: "delta", delta: delta(6, 7) } };
    const reply = applyResponse(gap, runtimeOf, logger);
    assert.deepEqual(kinds(reply.messages), ["nack", "unsubscribe", "subscribe"]);
    assert.equal(view.version, 4, "nothing applied");
    const otherEpoch: WatchResponse = {
      nonce: "n4",
      epoch: "e2",
      kind: { $case: "delta", delta: delta(4, 5) },
    };
    assert.deepEqual(kinds(applyResponse(otherEpoch, runtimeOf, logger).messages), [
      "nack",
      "unsubscribe",
      "subscribe",
    ]);
  });

  it("ACKs responses for services it no longer follows, and reports refused subscriptions", () => {
    const { runtimeOf, calls } = setup();
    const stray: WatchResponse = {
      nonce: "n5",
      epoch: "e1",
      kind: { $case: "snapshot", snapshot: { ...snapshot(1, []), service: "other" } },
    };
    assert.deepEqual(kinds(applyResponse(stray, runtimeOf, logger).messages), ["ack"]);
    const refused: WatchResponse = {
      nonce: "n6",
      epoch: "e1",
      kind: { $case: "error", error: { service: "users", code: 8, message: "too many subscriptions" } },
    };
    applyResponse(refused, runtimeOf, logger);
    assert.deepEqual(calls, ["failed:too many subscriptions"]);
  });
});

describe("reconnect backoff", () => {
  it("is full-jitter exponential, capped, and starts over after a reset", () => {
    let r = 1;
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2 }, () => r);
    assert.deepEqual(
      [backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()],
      [100, 200, 400, 800, 1000],
    );
    backoff.reset();
    r = 0.5;
    assert.equal(backoff.next(), 50);
  });
});

describe("deadline from grpc-timeout", () => {
  it("reads every unit grpc-js writes, and Infinity when there is none", () => {
    const at = (value?: string) => {
      const m = new Metadata();
      if (value) m.set("grpc-timeout", value);
      return deadlineFromMetadata(m, 1000);
    };
    assert.equal(at("250m"), 1250);
    assert.equal(at("3S"), 4000);
    assert.equal(at("2M"), 121_000);
    assert.equal(at("1H"), 3_601_000);
    assert.equal(at("5000u"), 1005);
    assert.equal(at(), Number.POSITIVE_INFINITY);
    assert.equal(at("x"), Number.POSITIVE_INFINITY);
  });
});
