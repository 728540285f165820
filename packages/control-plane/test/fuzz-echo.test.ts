/**
 * Error messages quote hostile input briefly: the control plane's own checks (validation.ts) and
 * the policy checks it shares with the SDK quote at most 64 characters of a bad value, so a
 * request with a 60 KiB value does not get a 60 KiB grpc-message back (or into the debug log).
 * Found by fuzz-unary.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import { RawClient } from "./fuzz-support/raw-client.js";
import { encode, msg, str } from "./fuzz-support/wire.js";
import { type Running, startPlane } from "./helpers/control-plane.js";

describe("error messages about hostile values", () => {
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

  it("register: quote a 60 KiB host briefly", async () => {
    const body = encode([
      [1, str("svc")],
      [2, str("h".repeat(60_000))],
      [3, { t: "varint", v: 80n }],
    ]);
    const end = await raw.unary("/switchboard.v1.Registration/Register", body, new Metadata(), 5000);
    assert.equal(status[end.code], "INVALID_ARGUMENT");
    assert.ok(end.details.length < 512, `${end.details.length} characters`);
  });

  it("SetPolicy: quote a 60 KiB status name or hash header briefly", async () => {
    const codes = encode([
      [1, str("svc")],
      [2, msg([[4, msg([[2, str("X".repeat(60_000))]])]])],
    ]);
    const header = encode([
      [1, str("svc")],
      [
        2,
        msg([
          [
            1,
            msg([
              [1, { t: "varint", v: 6n }],
              [4, str("h".repeat(60_000))],
            ]),
          ],
        ]),
      ],
    ]);
    for (const body of [codes, header]) {
      const end = await raw.unary("/switchboard.v1.Admin/SetPolicy", body, new Metadata(), 5000);
      assert.equal(status[end.code], "INVALID_ARGUMENT");
      assert.ok(end.details.length < 512, `${end.details.length} characters`);
    }
  });
});
