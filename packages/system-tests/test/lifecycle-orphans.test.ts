import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ChildTracker } from "@switchboard/control-plane/testing";

const RUNNER = fileURLToPath(new URL("./support/orphan-runner.ts", import.meta.url));
/** How long the processes a killed run started may take to end. */
const DEADLINE_MS = 5000;

/** True while the process runs (a zombie, exited but not yet reaped by its new parent, does not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 200);
  } catch {
    return "";
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

describe("a test run killed with SIGKILL", () => {
  it("leaves no process behind: redis-server, the control plane and the instances, a frozen one too, end within 5 s", async () => {
    const tracker = new ChildTracker();
    const runner = await tracker.spawnNode("orphan runner", [
      "--conditions=source",
      "--import",
      "tsx",
      RUNNER,
    ]);
    const started = await runner.waitForJson((line) => line.started === true, 60_000, "started line");
    const pids = started.pids as number[];
    const ports = started.ports as number[];
    assert.equal(pids.length, 6, "redis-server and its reaper, the control plane, two instances, a reaper");
    assert.equal(ports.length, 4);
    for (const pid of pids) assert.ok(isRunning(pid), `pid ${pid} runs before the kill`);
    for (const port of ports) assert.ok(await isListening(port), `port ${port} listens before the kill`);

    const killedAt = Date.now();
    await runner.kill();
    while (pids.some(isRunning) && Date.now() - killedAt < DEADLINE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const survivors = pids.filter(isRunning).map((pid) => `${pid} ${commandOf(pid)}`);
    // Should the test fail, end what is left by pid: nothing of a failed run outlives it either.
    for (const pid of pids.filter(isRunning)) process.kill(pid, "SIGKILL");
    assert.deepEqual(survivors, [], `still running ${DEADLINE_MS} ms after the runner was killed`);
    for (const port of ports) assert.equal(await isListening(port), false, `port ${port} still listens`);
  });
});
