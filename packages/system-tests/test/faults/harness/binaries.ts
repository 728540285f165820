/**
 * Servers a scenario runs besides node processes (redis-server, redis-sentinel,
 * toxiproxy-server): spawned as `Child`ren, stopped by pid at the scenario's cleanup, and killed
 * by an exit hook should the harness itself die first. Only processes started here are signalled.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Child } from "./children.js";
import type { ScenarioContext } from "./scenario.js";

const running = new Set<Child>();
let exitHook = false;

/** Spawns `binary args` and has the scenario's cleanup kill it (SIGCONT first, then SIGKILL). */
export function spawnBinary(
  ctx: ScenarioContext,
  name: string,
  binary: string,
  args: readonly string[],
): Child {
  const child = new Child(name, spawn(binary, [...args], { stdio: ["ignore", "pipe", "pipe"] }));
  running.add(child);
  void child.exited.then(() => running.delete(child));
  ctx.defer(() => child.kill());
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const c of running) {
        try {
          process.kill(c.pid, "SIGCONT");
          process.kill(c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    });
  }
  return child;
}

/** A directory of its own, removed at the scenario's cleanup. */
export async function scenarioTempDir(ctx: ScenarioContext, label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `switchboard-${label}-`));
  ctx.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
