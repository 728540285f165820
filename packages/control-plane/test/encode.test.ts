import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { encodeDelta, withNonce } from "../src/hub/encode.js";

describe("shared response bytes with a per-subscriber nonce", () => {
  const shared = encodeDelta("epoch-1", {
    service: "user-service",
    fromVersion: 41,
    version: 42,
    upserted: [],
    removed: [{ id: "10.0.0.1:8080", reason: 0 }],
  });

  for (const nonce of ["", "a.1", "x".repeat(127), "y".repeat(128), "z".repeat(20_000), "nönce.☃"]) {
    it(`decodes to the shared message with nonce of ${Buffer.byteLength(nonce)} bytes`, () => {
      const decoded = WatchResponse.decode(withNonce(nonce, shared));
      assert.equal(decoded.nonce, nonce);
      assert.equal(decoded.epoch, "epoch-1");
      assert.equal(decoded.kind?.$case, "delta");
      if (decoded.kind?.$case !== "delta") return;
      assert.equal(decoded.kind.delta.version, 42);
      assert.equal(decoded.kind.delta.removed[0]?.id, "10.0.0.1:8080");
    });
  }

  it("leaves the shared bytes untouched", () => {
    const before = Buffer.from(shared);
    withNonce("n.1", shared);
    assert.deepEqual(shared, before);
  });
});
