/**
 * Regression tests for two bugs the fuzz tests found (fixed: requests are now decoded by the
 * handlers, which answer INVALID_ARGUMENT):
 *
 * - ts-proto decodes uint64 fields as JavaScript numbers (forceLong=number) and throws above
 *   2^53 - 1; inside grpc-js's deserializer that was INTERNAL "Error deserializing request", and
 *   on Watch it ended the whole stream.
 * - when grpc-js could not decode a message of a stream while a response was being written, the
 *   client never received a status (a grpc-js race: the pending write fails after stream.end()).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import { RawClient } from "./fuzz-support/raw-client.js";
import { encode, mapEntries, msg, str, u64 } from "./fuzz-support/wire.js";
import { type Running, startPlane } from "./helpers/control-plane.js";

const TOO_BIG = 2n ** 60n;
const hello = (knownVersions: [string, bigint][] = []) =>
  encode([
    [
      1,
      msg([
        [1, str("range-test")],
        ...mapEntries(
          5,
          knownVersions.map(([s, v]) => [str(s), u64(v)] as const),
        ),
      ]),
    ],
  ]);
const subscribe = (service: string, knownVersion: bigint) =>
  encode([
    [
      2,
      msg([
        [1, str(service)],
        [2, u64(knownVersion)],
      ]),
    ],
  ]);

describe("well-formed requests with a uint64 above 2^53 - 1", () => {
  let cp: Running;
  let raw: RawClient;
  before(async () => {
    cp = await startPlane();
    raw = new RawClient(cp.address);
  });
  after(async () => {
    raw.close();
    await cp.close();
  });

  it("AwaitPropagation.version = 2^60 is INVALID_ARGUMENT, not INTERNAL", async () => {
    const body = encode([
      [1, str("svc")],
      [2, u64(TOO_BIG)],
      [3, u64(100)],
    ]);
    const end = await raw.unary("/switchboard.v1.Registration/AwaitPropagation", body, new Metadata(), 5000);
    assert.equal(status[end.code], "INVALID_ARGUMENT", end.details);
  });

  it("Subscribe.known_version = 2^60 ends the Watch stream with INVALID_ARGUMENT, not INTERNAL", async () => {
    const s = raw.stream("/switchboard.v1.Discovery/Watch", new Metadata(), 5000);
    s.write(hello());
    s.write(subscribe("svc", TOO_BIG));
    const end = await s.ended;
    assert.equal(status[end.code], "INVALID_ARGUMENT", end.details);
  });

  it("Hello.known_versions with 2^60 is answered, not ended INTERNAL", async () => {
    const s = raw.stream("/switchboard.v1.Discovery/Watch", new Metadata(), 5000);
    s.write(hello([["svc", TOO_BIG]]));
    s.halfClose();
    const end = await s.ended;
    assert.notEqual(status[end.code], "INTERNAL", end.details);
  });
});

describe("an undecodable message on a Watch stream while responses are being written", () => {
  let cp: Running;
  let raw: RawClient;
  before(async () => {
    cp = await startPlane();
    raw = new RawClient(cp.address);
  });
  after(async () => {
    raw.close();
    await cp.close();
  });

  it("always ends the stream with a status (6 tries)", async () => {
    const stuck: number[] = [];
    const undecodable = Uint8Array.from([0x12, 0x03, 0x0a, 0x01]); // a Subscribe cut short
    for (let i = 0; i < 6; i++) {
      const s = raw.stream("/switchboard.v1.Discovery/Watch", new Metadata(), 1000);
      // Twenty subscriptions: the session is busy writing their snapshots...
      s.write(hello(Array.from({ length: 20 }, (_, k) => [`svc-${k}`, 0n] as [string, bigint])));
      for (let k = 0; k < 5; k++) s.write(subscribe(`more-${k}`, 0n));
      // ...when this arrives.
      s.write(undecodable);
      for (let k = 0; k < 20; k++) s.write(subscribe(`after-${k}`, 0n));
      s.halfClose();
      if ((await s.ended).timedOut) stuck.push(i);
    }
    assert.deepEqual(stuck, [], `${stuck.length} of 6 streams never got a status`);
    assert.equal(cp.plane.stats().watchStreams, 0, "the control plane released every stream");
  });
});
