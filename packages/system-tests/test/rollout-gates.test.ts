/**
 * Staged rollouts end to end: three mesh clients (distinct client ids, one of them in the first
 * stage's cohort) call a service of two echo instances through a real control plane.
 * A candidate breaker that opens on every call goes to the cohort only and is rolled back at the
 * first stage, with the gate recorded; a good policy reaches 100 % and becomes the service's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
import { RolloutState } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { Registry } from "prom-client";
import { EchoServiceClient } from "../src/gen/echo/v1/echo.js";
import { cohortClientId } from "./support/cohorts.js";
import {
  type EchoInstance,
  eventually,
  type StartedControlPlane,
  silent,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";
import { LoadLoop } from "./support/load.js";

/** The first stage's share: one of the three clients below falls in it, two do not. */
const FIRST_PERCENT = 34;

const COHORT = cohortClientId("rollout", FIRST_PERCENT, true);
const OTHERS = [
  cohortClientId("rollout", FIRST_PERCENT, false),
  cohortClientId("rollout", FIRST_PERCENT, false, 1),
];

/** A breaker that opens at the first failed call and stays open for a minute: with instances
 * that fail one call in four, it opens within a few calls. */
const OPENS_AT_ONCE = { circuitBreaker: { consecutiveFailures: 1, openDurationMs: 60_000 } };

describe("staged rollouts", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  let instances: EchoInstance[] = [];
  const meshes = new Map<string, MeshClient>();
  const loads: LoadLoop[] = [];
  const channels: EchoServiceClient[] = [];

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    for (const name of [COHORT, ...OTHERS]) {
      const mesh = createMeshClient({
        controlPlane: cp.address,
        clientId: name,
        name,
        logger: silent,
        registry: new Registry(),
        reportIntervalMs: 1000,
      });
      meshes.set(name, mesh);
    }
  });

  after(async () => {
    await Promise.all(loads.map((l) => l.stop()));
    for (const c of channels) c.close();
    await Promise.all([...meshes.values()].map((m) => m.close()));
    await Promise.all(instances.map((i) => i.server.drain()));
    admin?.close();
    await cp?.stop();
  });

  /** A service of two echo instances (failing `failureRate` of calls), called by every client. */
  async function serve(
    service: string,
    baseline: Parameters<AdminClient["setPolicy"]>[1],
    failureRate = 0,
  ): Promise<void> {
    await admin.setPolicy(service, baseline);
    const started = await Promise.all(
      [0, 1].map(() => startEchoInstance(cp.address, { service, behaviour: { failureRate } })),
    );
    instances = [...instances, ...started];
    for (const [name, mesh] of meshes) {
      await mesh.waitForService(service);
      await eventually(() => mesh.endpoints(service).length === 2, 5000, `two endpoints in ${name}`);
      const channel = new EchoServiceClient(`mesh://${name}/${service}`, credentials.createInsecure());
      channels.push(channel);
      loads.push(new LoadLoop(channel, 1));
    }
  }

  /** Whether each client ever ran a breaker for `service` (the baseline has none). */
  function watchBreakers(service: string): { readonly seen: Map<string, Set<string>>; stop(): void } {
    const seen = new Map<string, Set<string>>([...meshes.keys()].map((n) => [n, new Set<string>()]));
    const timer = setInterval(() => {
      for (const [name, mesh] of meshes) {
        const breakers = mesh.stats().services[service]?.breakers ?? {};
        for (const state of Object.values(breakers)) seen.get(name)?.add(state);
      }
    }, 20);
    return { seen, stop: () => clearInterval(timer) };
  }

  it("rolls a breaker that opens at the first failure back at the first stage; clients outside the cohort never run it", async () => {
    const service = "rollout-bad";
    await serve(service, { timeoutMs: 5000 }, 0.25);
    const watch = watchBreakers(service);
    const started = await admin.startRollout({
      service,
      policy: OPENS_AT_ONCE,
      stages: [
        { percent: FIRST_PERCENT, holdMs: 60_000 },
        { percent: 100, holdMs: 1000 },
      ],
      // Only the breaker gate may stop it: the fast failures of an open breaker are expected.
      gates: { maxErrorRateIncrease: 1 },
    });
    assert.equal(started.state, RolloutState.ROLLOUT_STATE_RUNNING);

    await eventually(
      async () => (await admin.getRollout(service)).state === RolloutState.ROLLOUT_STATE_ROLLED_BACK,
      20_000,
      "rolled back",
    );
    const rolledBack = await admin.getRollout(service);
    assert.equal(rolledBack.stage, 0, "stopped at the first stage");
    assert.match(rolledBack.reason, /^gate breaker_open_clients crossed at stage 1: measured 1 > limit 0/);
    assert.deepEqual(
      rolledBack.events.map((e) => e.kind),
      ["started", "driver", "rolled_back"],
    );
    assert.ok(
      watch.seen.get(COHORT)?.has("open"),
      "the cohort client ran the candidate and its breaker opened",
    );
    await eventually(
      () => Object.keys(meshes.get(COHORT)?.stats().services[service]?.breakers ?? {}).length === 0,
      5000,
      "the cohort client back on the baseline (no breaker)",
    );
    watch.stop();
    for (const name of OTHERS) {
      assert.deepEqual([...(watch.seen.get(name) ?? [])], [], `${name} never ran the candidate breaker`);
    }
    const state = await admin.getService(service);
    assert.equal(state.policy?.timeoutMs, 5000, "the service keeps its own policy");
    assert.equal(state.policy?.circuitBreaker, undefined);
  });

  it("takes a good policy to 100 % and makes it the service's policy; SetPolicy is refused meanwhile", async () => {
    const service = "rollout-good";
    await serve(service, { timeoutMs: 5000 });
    await admin.startRollout({
      service,
      policy: { timeoutMs: 3000 },
      stages: [
        { percent: FIRST_PERCENT, holdMs: 1000 },
        { percent: 100, holdMs: 1000 },
      ],
      gates: { minCohortCalls: 5 },
    });
    await assert.rejects(admin.setPolicy(service, { timeoutMs: 100 }), (e: ServiceError) => {
      assert.equal(e.code, status.FAILED_PRECONDITION);
      assert.match(e.details, /rollout .* under way; SetPolicy is refused/);
      return true;
    });
    await assert.rejects(
      admin.startRollout({ service, policy: { timeoutMs: 10 } }),
      (e: ServiceError) => e.code === status.FAILED_PRECONDITION,
    );

    await eventually(
      async () => (await admin.getRollout(service)).state === RolloutState.ROLLOUT_STATE_COMPLETED,
      30_000,
      "completed",
    );
    const done = await admin.getRollout(service);
    assert.deepEqual(
      done.events.map((e) => e.kind),
      ["started", "driver", "stage", "completed"],
    );
    assert.ok(done.cohortClients >= 1);
    const state = await admin.getService(service);
    assert.equal(state.policy?.timeoutMs, 3000, "the candidate is the service's policy");
    const subscribers = await admin.listSubscribers(service);
    await eventually(
      async () =>
        (await admin.listSubscribers(service)).subscribers.every((s) =>
          s.subscriptions.every((x) => x.ackedVersion >= state.version),
        ),
      5000,
      "every client acked the completed version",
    );
    assert.equal(subscribers.subscribers.length, 3);
  });

  it("names the field of a bad candidate or plan", async () => {
    const bad = async (req: Parameters<AdminClient["startRollout"]>[0], field: RegExp) =>
      assert.rejects(admin.startRollout(req), (e: ServiceError) => {
        assert.equal(e.code, status.INVALID_ARGUMENT);
        assert.match(e.details, field);
        return true;
      });
    await bad({ service: "rollout-bad-input" }, /^policy: /);
    await bad({ service: "rollout-bad-input", policy: { timeoutMs: 0 } }, /^policy\.timeout_ms/);
    await bad(
      { service: "rollout-bad-input", policy: { timeoutMs: 10 }, gates: { maxP99Ratio: 0.5 } },
      /^gates\.max_p99_ratio: must be 1\.\.1000/,
    );
    await bad(
      { service: "rollout-bad-input", policy: { timeoutMs: 10 }, stages: [{ percent: 50, holdMs: 1000 }] },
      /^stages\[0\]\.percent: the last stage must be 100/,
    );
  });
});
