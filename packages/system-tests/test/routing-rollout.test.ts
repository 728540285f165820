import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, status } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
import { Fallback } from "@switchboard/core/gen/switchboard/v1/route.js";
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
import {
  binomialBounds,
  echoMany,
  type RouteTableInput,
  splitTable,
  toSubset,
  VERSION_SUBSETS,
} from "./support/routes.js";

const SERVICE = "user-service";

describe("rolling a route table out under load, with fallbacks and injected faults", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  let instances: EchoInstance[];
  let mesh: MeshClient;
  let client: EchoServiceClient;
  const versionOf = new Map<string, string>();

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    instances = await Promise.all(
      ["v1", "v1", "v2"].map((version) =>
        startEchoInstance(cp.address, { service: SERVICE, metadata: { version } }),
      ),
    );
    for (const [i, version] of ["v1", "v1", "v2"].entries())
      versionOf.set((instances[i] as EchoInstance).address, version);
    mesh = createMeshClient({ controlPlane: cp.address, logger: silent });
    client = new EchoServiceClient(`mesh:///${SERVICE}`, credentials.createInsecure());
    await mesh.waitForService(SERVICE);
    await eventually(() => mesh.endpoints(SERVICE).length === 3, 5000, "three endpoints");
  });

  after(async () => {
    client.close();
    await mesh.close();
    admin.close();
    await Promise.all(instances.map((i) => i.server.drain()));
    await cp.stop();
  });

  /** Sets the table and waits until this client routes by it. */
  async function route(table: RouteTableInput): Promise<void> {
    const version = await admin.setRoutes(SERVICE, table);
    await eventually(() => mesh.stats().services[SERVICE]?.routeVersion === version, 5000, "routes applied");
  }

  it("moves v2's weight from 0 to 100 in steps of 10 under continuous load without a failed call", async (t) => {
    const concurrency = 8;
    const load = new LoadLoop(client, concurrency);
    /** Per step: the index of the first call completed once the client routed by it. */
    const marks: number[] = [];
    for (let weight = 0; weight <= 100; weight += 10) {
      await route(splitTable(weight));
      const mark = load.records.length;
      marks.push(mark);
      await eventually(() => load.records.length >= mark + 100, 10_000, "100 calls at this weight");
    }
    await load.stop();
    const step = (i: number) => load.records.slice(marks[i], marks[i + 1]);
    const onV2 = (i: number) => step(i).filter((r) => versionOf.get(r.servedBy) === "v2").length;
    const shares = marks.map((_, i) => (onV2(i) / step(i).length).toFixed(2));
    t.diagnostic(`${load.records.length} calls; v2 share per step: ${shares.join(" ")}`);
    assert.deepEqual(load.failures, []);
    // Only the calls in flight when a step was applied (one per worker at most) may have been
    // routed by the step before.
    const last = marks.length - 1;
    assert.ok(onV2(0) <= concurrency, `${onV2(0)} calls on v2 at 0 %`);
    assert.ok(
      step(last).length - onV2(last) <= concurrency,
      `${step(last).length - onV2(last)} calls on v1 at 100 %`,
    );
  });

  const toEmptySubset = (fallback: Fallback): RouteTableInput => ({
    subsets: [...VERSION_SUBSETS, { name: "v3", selector: { version: "v3" } }],
    rules: [{ name: "next", destinations: [toSubset(100, "v3")], fallback }],
  });

  it("fails a call routed to a subset with no endpoint UNAVAILABLE, naming the route and the subset", async () => {
    await route(toEmptySubset(Fallback.FALLBACK_FAIL));
    const [outcome] = await echoMany(client, 1, 1);
    assert.equal(outcome?.code, status.UNAVAILABLE);
    assert.match(outcome?.details ?? "", /route "next": subset "v3" of user-service has no endpoint/);
  });

  it("sends it to the whole service instead when the route falls back to the default route", async () => {
    await route(toEmptySubset(Fallback.FALLBACK_DEFAULT_ROUTE));
    const outcomes = await echoMany(client, 60, 4);
    assert.deepEqual(
      outcomes.filter((o) => o.code !== 0),
      [],
    );
    assert.deepEqual(new Set(outcomes.map((o) => versionOf.get(o.servedBy))), new Set(["v1", "v2"]));
  });

  it("aborts and delays the configured shares of calls within a binomial bound", async (t) => {
    const delayMs = 1500;
    await route({
      subsets: VERSION_SUBSETS,
      rules: [
        {
          name: "faulty",
          destinations: [toSubset(100, "v1")],
          fault: { abort: { code: "UNAVAILABLE", percent: 10 }, delay: { delayMs, percent: 10 } },
        },
      ],
    });
    const calls = 1000;
    const outcomes = await echoMany(client, calls, 50);
    const aborted = outcomes.filter((o) => o.code !== 0);
    const sent = outcomes.filter((o) => o.code === 0);
    const delayed = sent.filter((o) => o.ms >= delayMs);
    t.diagnostic(`${aborted.length} of ${calls} aborted, ${delayed.length} of ${sent.length} delayed`);
    assert.ok(
      aborted.every(
        (o) => o.code === status.UNAVAILABLE && /fault injected by route "faulty"/.test(o.details),
      ),
    );
    const abortBounds = binomialBounds(calls, 0.1);
    assert.ok(
      aborted.length > abortBounds.low && aborted.length < abortBounds.high,
      `${aborted.length} aborted`,
    );
    const delayBounds = binomialBounds(sent.length, 0.1);
    assert.ok(
      delayed.length > delayBounds.low && delayed.length < delayBounds.high,
      `${delayed.length} delayed`,
    );
  });
});
