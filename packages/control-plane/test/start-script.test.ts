/** `pnpm start` (scripts/start.mjs): signals sent to pnpm, or Ctrl-C in a terminal, stop the
 * control plane it started instead of leaving it running. */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function running(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

/** `pnpm start` in a process group of its own (as a terminal would run it); resolves with the
 * control plane's pid (read from its default replica id) once it listens. */
async function pnpmStart(): Promise<{ pnpm: ChildProcess; planePid: number; lines: string[] }> {
  const pnpm = spawn("pnpm", ["start", "--", "--listen", "127.0.0.1:0", "--metrics-listen", "off"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const lines: string[] = [];
  for await (const line of createInterface({ input: pnpm.stdout! })) {
    lines.push(line);
    if (!line.includes("control plane listening")) continue;
    const { replicaId } = JSON.parse(line) as { replicaId: string };
    const planePid = Number(/-(\d+)-[0-9a-f]{6}$/.exec(replicaId)?.[1]);
    pnpm.stdout?.on("data", (b: Buffer) => lines.push(...b.toString().split("\n")));
    return { pnpm, planePid, lines };
  }
  throw new Error(`pnpm start ended before listening: ${lines.join("\n")}`);
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!running(pid)) return true;
    await sleep(20);
  }
  return !running(pid);
}

describe("pnpm start", () => {
  it("stops the control plane within a second when pnpm gets SIGTERM", async () => {
    const { pnpm, planePid, lines } = await pnpmStart();
    try {
      assert.ok(running(planePid), `control plane ${planePid} runs`);
      const exited = once(pnpm, "exit");
      pnpm.kill("SIGTERM");
      await exited;
      assert.ok(await gone(planePid, 1000), `control plane ${planePid} still runs after pnpm got SIGTERM`);
      assert.ok(
        lines.some((l) => l.includes("control plane stopped")),
        "it stopped gracefully",
      );
    } finally {
      if (running(planePid)) process.kill(planePid, "SIGKILL");
    }
  });

  it("stops the control plane gracefully on Ctrl-C (SIGINT to the whole foreground group)", async () => {
    const { pnpm, planePid, lines } = await pnpmStart();
    try {
      process.kill(-(pnpm.pid as number), "SIGINT");
      assert.ok(await gone(planePid, 5000), `control plane ${planePid} still runs after Ctrl-C`);
      assert.ok(
        lines.some((l) => l.includes("control plane stopped")),
        "it stopped gracefully, not at once",
      );
    } finally {
      if (running(planePid)) process.kill(planePid, "SIGKILL");
      if (pnpm.exitCode === null && pnpm.signalCode === null) process.kill(-(pnpm.pid as number), "SIGKILL");
    }
  });
});
