import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
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
import { LoadLoop } from "./support/load.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  code: number;
  details: string;
  servedBy: string;
  ms: number;
}

function call(
  client: EchoServiceClient,
  options: { deadlineMs?: number; metadata?: Metadata } = {},
): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    client.echo(
      { message: "x", payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
      options.metadata ?? new Metadata(),
      { deadline: Date.now() + (options.deadlineMs ?? 5000) },
      (e: ServiceError | null, r) =>
        resolve({
          code: e?.code ?? 0,
          details: e?.details ?? "",
          servedBy: r?.servedBy ?? "",
          ms: Date.now() - started,
        }),
    );
  });
}

describe("policy set through Admin, applied live by the SDK", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  let instances: EchoInstance[];
  let mesh: MeshClient;
  let client: EchoServiceClient;
  let service: string;
  let n = 0;

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent, zone: "zone-a" });
  });

  after(async () => {
    await mesh.close();
    admin.close();
    await cp.stop();
  });

  beforeEach(async () => {
    service = `echo-${++n}`;
    instances = await Promise.all([0, 1, 2].map(() => startEchoInstance(cp.address, { service })));
    client = new EchoServiceClient(`mesh:///${service}`, credentials.createInsecure());
    await mesh.waitForService(service);
    await eventually(() => mesh.endpoints(service).length === 3, 5000, "three endpoints");
  });

  afterEach(async () => {
    client.close();
    await Promise.all(instances.map((i) => i.server.drain()));
  });

  /** Calls until every instance has answered once: all connections are up. */
  async function warmUp(): Promise<void> {
    const seen = new Set<string>();
    for (let i = 0; i < 100 && seen.size < instances.length; i++) seen.add((await call(client)).servedBy);
    assert.equal(seen.size, instances.length, "every instance reachable");
  }

  /** Sets a policy and waits until this client runs on it. */
  async function setPolicy(policy: Parameters<AdminClient["setPolicy"]>[1]): Promise<void> {
    const version = await admin.setPolicy(service, policy);
    await eventually(() => (mesh.stats().services[service]?.version ?? 0) >= version, 5000, "policy applied");
  }

  it("moves traffic away from a slow instance when the policy switches to peak_ewma", async () => {
    const slow = instances[0] as EchoInstance;
    slow.behaviour.delayMs = 40;
    const load = new LoadLoop(client, 8);
    await sleep(1500);
    const t = Date.now();
    await setPolicy({ loadBalancing: { algorithm: 5 } });
    await sleep(2000);
    await load.stop();
    const before = load.share(0, t).get(slow.address) ?? 0;
    const afterSwitch = load.share(t + 500).get(slow.address) ?? 0;
    assert.ok(before > 0.25, `round robin gave the slow instance ${before}`);
    assert.ok(
      afterSwitch < before / 2,
      `peak_ewma gives the slow instance ${afterSwitch} (round robin: ${before})`,
    );
    assert.deepEqual(load.failures, []);
  });

  it("turns on a breaker that fails fast, then closes it when the service recovers", async () => {
    for (const i of instances) i.behaviour.failWithCode = status.UNAVAILABLE;
    const plain = await call(client);
    assert.equal(plain.code, status.UNAVAILABLE);
    assert.match(plain.details, /injected failure/);
    await setPolicy({
      circuitBreaker: { consecutiveFailures: 3, openDurationMs: 400, failureRatePercent: 0 },
    });
    for (let i = 0; i < 3; i++) assert.match((await call(client)).details, /injected failure/);
    const fast = await call(client);
    assert.equal(fast.code, status.UNAVAILABLE);
    assert.match(fast.details, /circuit breaker open for echo-\d+; failing fast/);
    assert.equal(mesh.stats().services[service]?.methods["echo.v1.EchoService/Echo"]?.breakerState, "open");
    for (const i of instances) i.behaviour.failWithCode = 0;
    await sleep(450);
    assert.equal((await call(client)).code, 0, "the half-open probe succeeds");
    assert.equal((await call(client)).code, 0);
    assert.equal(mesh.stats().services[service]?.breakers["*"], "closed");
  });

  it("lets a caller looping on fast failures make progress: the breaker's probe still completes", async () => {
    for (const i of instances) i.behaviour.failWithCode = status.UNAVAILABLE;
    await setPolicy({
      circuitBreaker: { consecutiveFailures: 2, failureRatePercent: 0, openDurationMs: 200 },
    });
    while (mesh.stats().services[service]?.breakers["*"] !== "open") await call(client);
    for (const i of instances) i.behaviour.failWithCode = 0;
    // Tight loops: while one of them waits for the half-open probe's answer, the others only
    // get fast failures, and must not keep the event loop from reading that answer.
    const started = Date.now();
    let ok = 0;
    const loop = async () => {
      while (ok === 0 && Date.now() - started < 5000) if ((await call(client)).code === 0) ok++;
    };
    await Promise.all([loop(), loop(), loop(), loop()]);
    assert.ok(ok >= 1, "a probe got through and succeeded");
    assert.ok(Date.now() - started < 5000);
    assert.equal(mesh.stats().services[service]?.breakers["*"], "closed");
  });

  it("keeps the service breaker closed when the failures all come from one endpoint", async () => {
    await warmUp();
    (instances[0] as EchoInstance).behaviour.failWithCode = status.UNAVAILABLE;
    await setPolicy({
      circuitBreaker: { consecutiveFailures: 2, failureRatePercent: 0, openDurationMs: 60_000 },
    });
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 30; i++) outcomes.push(await call(client));
    assert.ok(outcomes.filter((o) => o.code !== 0).length >= 8, "the bad endpoint's calls fail (no retries)");
    assert.equal(outcomes.filter((o) => /circuit breaker open/.test(o.details)).length, 0);
    assert.equal(mesh.stats().services[service]?.breakers["*"], "closed");
    // Once a second endpoint fails too, the service as a whole is failing: the breaker opens.
    (instances[1] as EchoInstance).behaviour.failWithCode = status.UNAVAILABLE;
    for (let i = 0; i < 30 && mesh.stats().services[service]?.breakers["*"] !== "open"; i++)
      await call(client);
    assert.equal(mesh.stats().services[service]?.breakers["*"], "open");
  });

  it("ejects an endpoint that keeps failing, without failing calls when retries are on", async () => {
    const bad = instances[1] as EchoInstance;
    bad.behaviour.failWithCode = status.UNAVAILABLE;
    await setPolicy({
      outlierDetection: {
        breaker: { consecutiveFailures: 3, openDurationMs: 60_000 },
        maxEjectionPercent: 50,
      },
      retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 },
    });
    const load = new LoadLoop(client, 4);
    await sleep(1000);
    const t = Date.now();
    await sleep(1000);
    await load.stop();
    assert.deepEqual(load.failures, []);
    assert.equal(load.servedBySince(bad.address, 0), 0);
    const endpoint = mesh.stats().services[service]?.endpoints.find((e) => e.id === bad.address);
    assert.equal(endpoint?.ejected, true);
    const attemptsLater = endpoint?.attempts.requests ?? 0;
    assert.ok(attemptsLater <= 5, `the ejected endpoint got ${attemptsLater} attempts`);
    assert.ok(load.records.filter((r) => r.at >= t).length > 50);
  });

  it("rate-limits on the client: over the limit fails at once with RESOURCE_EXHAUSTED and no network call", async () => {
    await setPolicy({ rateLimit: { requestsPerSecond: 1, burst: 5 } });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => call(client)));
    const limited = outcomes.filter((o) => o.code === status.RESOURCE_EXHAUSTED);
    assert.equal(outcomes.filter((o) => o.code === 0).length, 5);
    assert.equal(limited.length, 5);
    assert.match(limited[0]?.details ?? "", /rate limit of 1\/s for echo-\d+ exceeded/);
    const attempts = mesh.stats().services[service]?.endpoints.reduce((n, e) => n + e.attempts.requests, 0);
    assert.equal(attempts, 5, "rejected calls never reached an endpoint");
  });

  it("applies the policy's default deadline, and a caller's shorter deadline wins", async () => {
    for (const i of instances) i.behaviour.delayMs = 400;
    await setPolicy({ timeoutMs: 150 });
    const byPolicy = await call(client, { deadlineMs: 5000 });
    assert.equal(byPolicy.code, status.DEADLINE_EXCEEDED);
    assert.ok(byPolicy.ms >= 140 && byPolicy.ms < 380, `policy deadline hit after ${byPolicy.ms} ms`);
    const byCaller = await call(client, { deadlineMs: 50 });
    assert.equal(byCaller.code, status.DEADLINE_EXCEEDED);
    assert.ok(byCaller.ms < 140, `caller deadline hit after ${byCaller.ms} ms`);
  });

  it("keeps retries within the budget when every endpoint fails", async () => {
    for (const i of instances) i.behaviour.failWithCode = status.UNAVAILABLE;
    await setPolicy({
      retry: {
        maxAttempts: 5,
        initialBackoffMs: 1,
        maxBackoffMs: 2,
        budget: { ratio: 0.1, minRetriesPerSecond: 1, windowMs: 10_000 },
      },
    });
    const calls = 200;
    for (let i = 0; i < calls; i++) assert.equal((await call(client)).code, status.UNAVAILABLE);
    const stats = mesh.stats().services[service];
    const attempts = stats?.endpoints.reduce((n, e) => n + e.attempts.requests, 0) ?? 0;
    // Without a budget: 5 attempts per call. With it: ~ calls x (1 + 0.1) + the 10 s floor (10).
    assert.ok(attempts <= calls * 1.1 + 12, `${attempts} attempts for ${calls} calls`);
    assert.ok(attempts > calls, "some retries were allowed");
  });

  it("retries on another endpoint than the one that failed", async () => {
    await warmUp();
    await Promise.all(instances.slice(2).map((i) => i.server.drain()));
    instances = instances.slice(0, 2);
    await eventually(() => mesh.endpoints(service).length === 2, 5000, "two endpoints");
    (instances[0] as EchoInstance).behaviour.failWithCode = status.UNAVAILABLE;
    // random may pick the failed endpoint again; only the retry's preference keeps calls whole.
    await setPolicy({
      loadBalancing: { algorithm: 2 },
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2 },
    });
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 60; i++) outcomes.push(await call(client));
    assert.deepEqual(
      outcomes.filter((o) => o.code !== 0),
      [],
    );
    assert.ok((mesh.stats().services[service]?.methods["echo.v1.EchoService/Echo"]?.retries ?? 0) > 10);
  });

  it("gets calls past an instance that stopped answering, with a per-try timeout and retries", async () => {
    await warmUp();
    const hung = instances[2] as EchoInstance;
    hung.behaviour.delayMs = 10_000;
    await setPolicy({
      retry: { maxAttempts: 3, perTryTimeoutMs: 150, initialBackoffMs: 1, maxBackoffMs: 5 },
    });
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => call(client, { deadlineMs: 2000 })));
    assert.deepEqual(
      outcomes.filter((o) => o.code !== 0),
      [],
    );
    assert.ok(outcomes.every((o) => o.servedBy !== hung.address));
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    assert.ok(slowest < 1000, `a call took ${slowest} ms`);
    const attempts = mesh.stats().services[service]?.endpoints.find((e) => e.id === hung.address)?.attempts;
    assert.ok((attempts?.errorsByCode.UNAVAILABLE ?? 0) > 0, "attempts to the hung instance timed out");
  });

  it("sends calls with the same ring_hash key to the same instance", async () => {
    await setPolicy({ loadBalancing: { algorithm: 6, hashHeader: "x-user" } });
    for (const user of ["alice", "bob", "carol", "dave"]) {
      const md = () => {
        const m = new Metadata();
        m.set("x-user", user);
        return m;
      };
      const served = new Set<string>();
      for (let i = 0; i < 10; i++) served.add((await call(client, { metadata: md() })).servedBy);
      assert.equal(served.size, 1, `${user} went to ${[...served]}`);
    }
  });

  it("prefers the client's zone and spills over when it has no healthy endpoint", async () => {
    await Promise.all(instances.map((i) => i.server.drain()));
    const local = await startEchoInstance(cp.address, { service, zone: "zone-a" });
    const remote = await startEchoInstance(cp.address, { service, zone: "zone-b" });
    instances = [local, remote];
    await eventually(() => mesh.endpoints(service).length === 2, 5000, "two endpoints");
    await setPolicy({ loadBalancing: { algorithm: 1, zonePreference: { minHealthyPercent: 50 } } });
    for (let i = 0; i < 10; i++) assert.equal((await call(client)).servedBy, local.address);
    await admin.drainEndpoint(service, local.address);
    await eventually(async () => (await call(client)).servedBy === remote.address, 5000, "spill-over");
  });
});
