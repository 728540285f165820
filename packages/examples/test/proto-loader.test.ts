import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
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
    const child = spawn(process.execPath, [...exampleEntry("proto-loader/main"), "--name", "Ada"], {
      env: { ...process.env, SWITCHBOARD_CONTROL_PLANE: cp.address, SWITCHBOARD_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 0, `exited ${code}: ${stderr}`);
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
