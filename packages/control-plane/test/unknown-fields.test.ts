import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import { Hello, WatchRequest, WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import {
  KeepAliveRequest,
  KeepAliveResponse,
  KeepAliveResponse_LeaseState,
  RegisterRequest,
  RegisterResponse,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import { RawClient, type RawStream } from "./fuzz-support/raw-client.js";
import { dbl, encode, type Field, int, msg, str, u64 } from "./fuzz-support/wire.js";
import { call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";

/**
 * A newer SDK may send fields this control plane does not know. It must decode around them and
 * answer as usual, never refuse the request.
 */

/** Fields numbered past anything the v1 contract uses, one of each wire type, one a nested message. */
const UNKNOWN: readonly Field[] = [
  [1001, u64(18_446_744_073_709_551_615n)],
  [1002, dbl(6.25)],
  [1003, str("a field from a newer SDK")],
  [
    1004,
    msg([
      [1, int(7)],
      [2, str("nested")],
      [900, { t: "i32", v: 0xdeadbeef }],
    ]),
  ],
  [1005, { t: "i32", v: 42 }],
];

/** `message` with the unknown fields appended. */
function withUnknownFields(message: Uint8Array): Uint8Array {
  return Buffer.concat([message, encode(UNKNOWN)]);
}

/** A map entry {key, value} with an unknown third field in it. */
const mapEntry = (no: number, key: string, value: Field[1]): Field => [
  no,
  {
    t: "len",
    v: withUnknownFields(
      encode([
        [1, str(key)],
        [2, value],
      ]),
    ),
  },
];

const WATCH = "/switchboard.v1.Discovery/Watch";

/** The next response on a raw stream, decoded. */
function nextResponse(stream: RawStream, index: number): Promise<WatchResponse> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const bytes = stream.responses[index];
      if (!bytes) return false;
      stream.call.off("data", onData);
      resolve(WatchResponse.decode(bytes));
      return true;
    };
    const onData = () => check();
    if (check()) return;
    stream.call.on("data", onData);
    stream.ended.then((end) => reject(new Error(`stream ended: ${end.code} ${end.details}`)));
  });
}

describe("unknown fields from a newer SDK", () => {
  let cp: Running;
  let raw: RawClient;
  const streams: RawStream[] = [];

  before(async () => {
    cp = await startPlane();
    raw = new RawClient(cp.address);
  });
  after(async () => {
    for (const s of streams) s.cancel();
    raw.close();
    await cp.close();
  });

  it("registers from a RegisterRequest with unknown fields (and in its metadata entries), and renews its lease", async () => {
    const known = RegisterRequest.encode(
      registerRequest({ service: "users", host: "10.0.0.7", port: 7007, zone: "a", weight: 3 }),
    ).finish();
    const body = withUnknownFields(Buffer.concat([known, encode([mapEntry(6, "version", str("2.0"))])]));
    const end = await raw.unary("/switchboard.v1.Registration/Register", body, new Metadata(), 10_000);
    assert.equal(end.code, status.OK, end.details);
    const registered = RegisterResponse.decode(end.responses[0]!);
    assert.equal(registered.endpointId, "10.0.0.7:7007");

    const service = await call(cp.admin.getService.bind(cp.admin), { service: "users" });
    assert.deepEqual(
      service.endpoints.map(({ endpoint: e }) => [e?.id, e?.zone, e?.weight, e?.metadata]),
      [["10.0.0.7:7007", "a", 3, { version: "2.0" }]],
    );

    const keepAlive = raw.stream("/switchboard.v1.Registration/KeepAlive", new Metadata(), 10_000);
    streams.push(keepAlive);
    const renewal = KeepAliveRequest.encode({
      leaseId: registered.leaseId,
      health: HealthStatus.HEALTH_STATUS_SERVING,
    }).finish();
    keepAlive.write(withUnknownFields(renewal));
    const answer = await new Promise<KeepAliveResponse>((resolve) =>
      keepAlive.call.once("data", (b: Buffer) => resolve(KeepAliveResponse.decode(b))),
    );
    assert.equal(answer.state, KeepAliveResponse_LeaseState.LEASE_STATE_ACTIVE);
  });

  it("answers a Hello, a Subscribe and an Ack with unknown fields as usual", async () => {
    const watch = raw.stream(WATCH, new Metadata(), 20_000);
    streams.push(watch);
    // A Hello (field 1 of WatchRequest) with unknown fields, subscribing to "users" through a
    // known_versions entry that has an unknown field too.
    const hello = Hello.encode({
      clientId: "newer-sdk",
      zone: "a",
      sdkVersion: "9.0.0",
      epoch: "",
      knownVersions: {},
    }).finish();
    const helloBody = withUnknownFields(Buffer.concat([hello, encode([mapEntry(5, "users", u64(0))])]));
    watch.write(withUnknownFields(encode([[1, { t: "len", v: helloBody }]])));

    const first = await nextResponse(watch, 0);
    if (first.kind?.$case !== "snapshot") assert.fail(`expected a snapshot, got ${first.kind?.$case}`);
    assert.equal(first.kind.snapshot.service, "users");
    assert.deepEqual(
      first.kind.snapshot.endpoints.map((e) => e.id),
      ["10.0.0.7:7007"],
    );
    watch.write(
      withUnknownFields(
        WatchRequest.encode({ kind: { $case: "ack", ack: { nonce: first.nonce } } }).finish(),
      ),
    );

    const subscribe = encode([[1, str("orders")], [2, u64(0)], ...UNKNOWN]);
    watch.write(withUnknownFields(encode([[2, { t: "len", v: subscribe }]])));
    const second = await nextResponse(watch, 1);
    if (second.kind?.$case !== "snapshot") assert.fail(`expected a snapshot, got ${second.kind?.$case}`);
    assert.equal(second.kind.snapshot.service, "orders");

    // The Ack with unknown fields counted: every subscriber of "users" has its version.
    const propagation = await call(cp.registration.awaitPropagation.bind(cp.registration), {
      service: "users",
      version: first.kind.snapshot.version,
      timeoutMs: 5_000,
    });
    assert.deepEqual([propagation.complete, propagation.subscribers, propagation.acknowledged], [true, 1, 1]);
  });
});
