import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChildTracker } from "@switchboard/control-plane/testing";
import { exampleEntry } from "../src/demo/entries.js";
import { type StartedControlPlane, startControlPlane } from "./support/mesh.js";

interface Reply {
  readonly event: string;
  readonly via: string;
  readonly message: string;
  readonly servedBy: string;
}

describe("the proto-loader example", () => {
  let cp: StartedControlPlane;

  before(async () => {
    cp = await startControlPlane();
  });

  after(async () => {
    await cp.stop();
  });

  it("serves a greeter loaded at run time and calls it through mesh:/// with a client and with call()", async () => {
    const { code, signal, stdout, stderr } = await new ChildTracker().runNode(
      "proto-loader example",
      [...exampleEntry("proto-loader/main"), "--name", "Ada"],
      { env: { ...process.env, SWITCHBOARD_CONTROL_PLANE: cp.address, SWITCHBOARD_LOG_LEVEL: "warn" } },
    );
    assert.equal(code, 0, `exited ${signal ?? code}: ${stderr}`);
    const replies = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Reply);
    assert.deepEqual(
      replies.map((r) => [r.via, r.message]),
      [
        ["client", "Hello, Ada!"],
        ["call", "Hello, Ada!"],
      ],
    );
    for (const r of replies) assert.match(r.servedBy, /^127\.0\.0\.1:\d+$/);
    // The instance drained on the way out: the registry is empty again.
    assert.equal((await cp.cp.store.getService("greeter")).endpoints.length, 0);
  });
});
