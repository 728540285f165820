/** ADS and CSDS take the same bearer tokens as Discovery. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { xdsServices } from "../src/xds/protos.js";
import { TYPE_URLS } from "../src/xds/type-urls.js";
import { bearer, type Running, startPlane } from "./helpers/control-plane.js";

type AdsClient = grpc.Client & {
  StreamAggregatedResources(md: grpc.Metadata): grpc.ClientDuplexStream<object, Record<string, unknown>>;
};
type CsdsClient = grpc.Client & {
  FetchClientStatus(
    req: object,
    md: grpc.Metadata,
    cb: (e: grpc.ServiceError | null, r: object) => void,
  ): void;
};

/** The first response of an ADS stream asking for Listener "svc", or its error. */
function firstListener(client: AdsClient, md: grpc.Metadata): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const stream = client.StreamAggregatedResources(md);
    stream.on("data", (r: Record<string, unknown>) => {
      resolve(r);
      stream.cancel();
    });
    stream.on("error", (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? undefined : reject(e)));
    stream.write({ node: { id: "raw" }, type_url: TYPE_URLS.listener, resource_names: ["svc"] });
  });
}

describe("xDS security", () => {
  let plane: Running;
  let ads: AdsClient;
  let csds: CsdsClient;

  before(async () => {
    plane = await startPlane({ discoveryToken: "disc-token", adminToken: "admin-token" });
    const services = xdsServices();
    const creds = grpc.credentials.createInsecure();
    ads = new (grpc.makeGenericClientConstructor(services.ads, "ads"))(
      plane.address,
      creds,
    ) as unknown as AdsClient;
    csds = new (grpc.makeGenericClientConstructor(services.csds, "csds"))(
      plane.address,
      creds,
    ) as unknown as CsdsClient;
  });

  after(async () => {
    ads.close();
    csds.close();
    await plane.close();
  });

  test("refuses an ADS stream without the discovery token", async () => {
    await assert.rejects(firstListener(ads, new grpc.Metadata()), { code: grpc.status.UNAUTHENTICATED });
    await assert.rejects(firstListener(ads, bearer("admin-token")), { code: grpc.status.UNAUTHENTICATED });
  });

  test("serves the Listener of a service to a stream with the discovery token", async () => {
    const r = await firstListener(ads, bearer("disc-token"));
    assert.equal(r.type_url, TYPE_URLS.listener);
    assert.equal((r.resources as unknown[]).length, 1);
  });

  test("refuses an ADS stream whose first request carries no node id, naming the field", async () => {
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      const stream = ads.StreamAggregatedResources(bearer("disc-token"));
      stream.on("data", () => undefined);
      stream.on("error", resolve);
      stream.write({ type_url: TYPE_URLS.listener, resource_names: ["svc"] });
    });
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    assert.match(error.details, /^node\.id: /);
  });

  test("CSDS takes the discovery or the admin token, nothing else", async () => {
    const fetch = (md: grpc.Metadata) =>
      new Promise<object>((resolve, reject) =>
        csds.FetchClientStatus({}, md, (e, r) => (e ? reject(e) : resolve(r))),
      );
    await assert.rejects(fetch(new grpc.Metadata()), { code: grpc.status.UNAUTHENTICATED });
    await assert.rejects(fetch(bearer("wrong")), { code: grpc.status.UNAUTHENTICATED });
    assert.ok(await fetch(bearer("disc-token")));
    assert.ok(await fetch(bearer("admin-token")));
  });
});
