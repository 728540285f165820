/** A scenario's own temporary directory (configuration and data of the servers it runs). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScenarioContext } from "./scenario.js";

/** A directory of its own, removed at the scenario's cleanup. */
export async function scenarioTempDir(ctx: ScenarioContext, label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `switchboard-${label}-`));
  ctx.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
