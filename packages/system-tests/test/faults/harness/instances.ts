/** Echo instances in processes of their own, with what they log about their registration. */
import { fileURLToPath } from "node:url";
import type { Child, ChildSet } from "./children.js";
import type { InstanceConfig } from "./echo-instance.js";

const SCRIPT = fileURLToPath(new URL("./echo-instance.ts", import.meta.url));

export class Instance {
  /** Times (Date.now()) this instance logged a successful registration. */
  readonly registrations: number[] = [];
  /** Times it logged that its lease was lost (expired or wiped) and it registers again. */
  readonly leaseLosses: number[] = [];

  constructor(
    readonly child: Child,
    readonly address: string,
  ) {
    const seen = (line: string) => {
      if (line.includes('"msg":"registered"')) this.registrations.push(Date.now());
      else if (line.includes('"msg":"lease lost')) this.leaseLosses.push(Date.now());
    };
    for (const line of child.lines) seen(line);
    child.onLine(seen);
  }

  get pid(): number {
    return this.child.pid;
  }
}

/** Starts an instance and resolves once it serves (and has tried its first registration). */
export async function spawnInstance(children: ChildSet, config: InstanceConfig): Promise<Instance> {
  const child = children.spawnNode(
    `instance ${config.service}`,
    ["--conditions=source", "--import", "tsx", SCRIPT, JSON.stringify(config)],
    { SWITCHBOARD_LOG_LEVEL: "info" },
  );
  const line = await child.waitForLine((l) => l.startsWith('{"ready":true'), 30_000, "ready line");
  const { address } = JSON.parse(line) as { address: string };
  return new Instance(child, address);
}
