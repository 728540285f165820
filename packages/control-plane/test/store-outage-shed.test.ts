/**
 * A replica that cannot reach its store gives its clients up, so they move to a replica that
 * can: past `storeOutageShedMs` its Discovery and xDS streams end with UNAVAILABLE, and new ones
 * are refused until the store is back.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { HealthCheckResponse_ServingStatus as Serving } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { OutageShedder, SHED_DETAILS, SHED_SPREAD_MS } from "../src/services/outage-shedder.js";
import type { RpcStatus } from "../src/services/rpc.js";
import { type RedisServerHandle, startRedisServer } from "../src/testing/index.js";
import type { Timers } from "../src/timers.js";
import { xdsServices } from "../src/xds/protos.js";
import { TYPE_URLS } from "../src/xds/type-urls.js";
import { call, type Running, registerRequest, silent, startPlane } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";

/** Timers on a clock the test moves by hand. */
class FakeTimers implements Timers {
  private now = 0;
  private readonly due = new Map<object, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = {};
    this.due.set(handle, { at: this.now + ms, fn });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as object);
  }
  /** Moves time on by `ms`, firing what falls due, in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.due].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > until) break;
      this.due.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }
}

/** A shedder on fake timers, tracking `count` streams; `ended` lists how each one ended. */
function shedderWith(graceMs: number, count: number) {
  const timers = new FakeTimers();
  const shedder = new OutageShedder({ graceMs, logger: silent, timers, spreadMs: 1000 });
  const ended: RpcStatus[] = [];
  const untrack = Array.from({ length: count }, () => shedder.track((s) => ended.push(s)));
  return { timers, shedder, ended, untrack };
}

describe("the outage shedder", () => {
  it("ends no stream while the store has been unavailable for less than the grace period", () => {
    const { timers, shedder, ended } = shedderWith(5000, 10);
    shedder.storeAvailability(false);
    timers.advance(4999);
    assert.equal(ended.length, 0);
    assert.doesNotThrow(() => shedder.admit());
    shedder.storeAvailability(true);
    timers.advance(60_000);
    assert.equal(ended.length, 0, "a blip shorter than the grace moves nobody");
  });

  it("past the grace, ends every stream with UNAVAILABLE, spread over the window, not all at once", () => {
    const { timers, shedder, ended } = shedderWith(5000, 100);
    shedder.storeAvailability(false);
    timers.advance(5000);
    const atGrace = ended.length;
    assert.ok(atGrace > 0 && atGrace <= 5, `${atGrace} ended at the first step`);
    timers.advance(500);
    assert.ok(ended.length > 40 && ended.length < 60, `${ended.length} ended halfway through the window`);
    timers.advance(500);
    assert.equal(ended.length, 100);
    assert.equal(shedder.shed, 100);
    for (const s of ended) assert.deepEqual(s, { code: grpc.status.UNAVAILABLE, details: SHED_DETAILS });
  });

  it("refuses new streams with UNAVAILABLE until the store is back, then admits them", () => {
    const { timers, shedder } = shedderWith(1000, 0);
    shedder.storeAvailability(false);
    timers.advance(1000);
    assert.equal(shedder.isShedding, true);
    assert.throws(() => shedder.admit(), { code: grpc.status.UNAVAILABLE, details: SHED_DETAILS });
    shedder.storeAvailability(true);
    assert.doesNotThrow(() => shedder.admit());
  });

  it("stops ending streams when the store comes back halfway through the window", () => {
    const { timers, shedder, ended } = shedderWith(1000, 100);
    shedder.storeAvailability(false);
    timers.advance(1500);
    const halfway = ended.length;
    shedder.storeAvailability(true);
    timers.advance(10_000);
    assert.equal(ended.length, halfway);
    assert.ok(halfway < 100);
  });

  it("does not end a stream that closed by itself", () => {
    const { timers, shedder, ended, untrack } = shedderWith(1000, 3);
    for (const u of untrack.slice(1)) u();
    shedder.storeAvailability(false);
    timers.advance(2000);
    assert.equal(ended.length, 1);
  });

  it("never sheds with a grace of 0", () => {
    const { timers, shedder, ended } = shedderWith(0, 10);
    shedder.storeAvailability(false);
    timers.advance(3_600_000);
    assert.equal(ended.length, 0);
    assert.doesNotThrow(() => shedder.admit());
  });
});

type AdsClient = grpc.Client & {
  StreamAggregatedResources(): grpc.ClientDuplexStream<object, Record<string, unknown>>;
};

/** A raw ADS stream asking for Listener "svc": its responses and how it ended. */
function adsStream(address: string) {
  const ads = new (grpc.makeGenericClientConstructor(xdsServices().ads, "ads"))(
    address,
    grpc.credentials.createInsecure(),
  ) as unknown as AdsClient;
  const stream = ads.StreamAggregatedResources();
  const state = { responses: 0, ended: undefined as grpc.ServiceError | undefined };
  stream.on("data", () => {
    state.responses += 1;
  });
  stream.on("error", (e: grpc.ServiceError) => {
    state.ended = e;
  });
  stream.write({ node: { id: "shed-test" }, type_url: TYPE_URLS.listener, resource_names: ["svc"] });
  return {
    state,
    close: () => {
      stream.cancel();
      ads.close();
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const GRACE_MS = 300;

describe("a control plane whose Redis stops", {
  skip: process.env.REDIS_URL ? "needs a redis-server the test can stop" : false,
}, () => {
  let redis: RedisServerHandle;
  let shedding: Running;
  let holding: Running;

  before(async () => {
    redis = await startRedisServer();
    const common = { redisUrl: redis.url, redisKeyPrefix: redis.keyPrefix };
    shedding = await startPlane({ ...common, storeOutageShedMs: GRACE_MS });
    holding = await startPlane({ ...common, storeOutageShedMs: 0 });
    await call(
      shedding.registration.register.bind(shedding.registration),
      registerRequest({ service: "svc" }),
    );
  });
  after(async () => {
    await shedding?.close();
    await holding?.close();
    await redis?.stop();
  });

  const health = (r: Running) =>
    call(r.health.check.bind(r.health), { service: "" }).then(
      (x) => x.status,
      () => Serving.NOT_SERVING,
    );

  it("ends its Discovery and xDS streams with UNAVAILABLE past the grace period, refuses new ones while down, and accepts them again after", async () => {
    const watch = new WatchClient(shedding.discovery);
    watch.hello("shed-me");
    watch.subscribe("svc");
    await watch.until(() => true);
    const ads = adsStream(shedding.address);
    await until(() => ads.state.responses > 0, "an xDS response");
    const kept = new WatchClient(holding.discovery);
    kept.hello("keep-me");
    kept.subscribe("svc");
    await kept.until(() => true);

    const stoppedAt = Date.now();
    await redis.stop();
    const ended = await watch.status(15_000);
    const endedAfterMs = Date.now() - stoppedAt;
    assert.deepEqual(ended, { code: grpc.status.UNAVAILABLE, details: SHED_DETAILS });
    assert.ok(endedAfterMs >= GRACE_MS, `ended ${endedAfterMs} ms after Redis stopped, within the grace`);
    await until(
      () => ads.state.ended !== undefined,
      "the xDS stream to end",
      GRACE_MS + SHED_SPREAD_MS + 5000,
    );
    assert.equal(ads.state.ended?.code, grpc.status.UNAVAILABLE);
    assert.equal(ads.state.ended?.details, SHED_DETAILS);
    ads.close();

    const refused = new WatchClient(shedding.discovery);
    refused.hello("refused");
    assert.deepEqual(await refused.status(), { code: grpc.status.UNAVAILABLE, details: SHED_DETAILS });
    const refusedAds = adsStream(shedding.address);
    await until(() => refusedAds.state.ended !== undefined, "the new xDS stream to be refused");
    assert.equal(refusedAds.state.ended?.code, grpc.status.UNAVAILABLE);
    refusedAds.close();

    assert.equal(kept.ended, undefined, "with storeOutageShedMs 0 the stream stays open");
    kept.close();

    await redis.restart();
    await until(async () => (await health(shedding)) === Serving.SERVING, "SERVING again");
    const back = new WatchClient(shedding.discovery);
    back.hello("back");
    back.subscribe("svc");
    await back.until(() => true);
    back.close();
    const adsBack = adsStream(shedding.address);
    await until(() => adsBack.state.responses > 0, "an xDS response after the recovery");
    assert.equal(adsBack.state.ended, undefined);
    adsBack.close();
  });
});

describe("a control plane on the memory store", () => {
  let plane: Running;
  before(async () => {
    plane = await startPlane({ storeOutageShedMs: 1 });
  });
  after(async () => {
    await plane?.close();
  });

  it("never sheds a stream: the store is never unavailable", async () => {
    const watch = new WatchClient(plane.discovery);
    watch.hello("memory");
    watch.subscribe("mem");
    await watch.until(() => true);
    await new Promise((r) => setTimeout(r, SHED_SPREAD_MS + 200));
    await call(plane.registration.register.bind(plane.registration), registerRequest({ service: "mem" }));
    await watch.until((r) => r.kind?.$case === "delta" || r.kind?.$case === "snapshot");
    assert.equal(watch.ended, undefined);
    watch.close();
  });
});
