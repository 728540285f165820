/** Echo mesh instances in processes of their own, with what they log about their registration. */
import { fileURLToPath } from "node:url";
import {
  type Child,
  type ChildTracker,
  type ExitStatus,
  sharedTracker,
} from "@switchboard/control-plane/testing";
import type { EchoInstanceConfig } from "./echo-instance.js";

/** The program, run from the TypeScript sources (under tsx) or from dist/. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const PROGRAM = fileURLToPath(new URL(`./echo-instance.${FROM_SOURCE ? "ts" : "js"}`, import.meta.url));
const PROGRAM_ARGS = FROM_SOURCE ? ["--conditions=source", "--import", "tsx", PROGRAM] : [PROGRAM];

export interface EchoInstanceOptions extends Partial<Omit<EchoInstanceConfig, "controlPlane">> {
  /** Control-plane replicas, comma-separated. */
  readonly controlPlane: string;
  /** Where the process is tracked. Default: the shared tracker. */
  readonly tracker?: ChildTracker;
  /** Held by a reaper, so that it still ends with this process while frozen (SIGSTOP). */
  readonly freezable?: boolean;
  /** How long it may take to serve. Default 30000. */
  readonly startTimeoutMs?: number;
}

export class EchoInstanceProcess {
  /** Times (Date.now()) this instance logged a successful registration. */
  readonly registrations: number[] = [];
  /** Times it logged that its lease was lost (expired or wiped) and it registers again. */
  readonly leaseLosses: number[] = [];

  constructor(
    readonly child: Child,
    /** host:port it serves on (its endpoint id). */
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

  /** SIGTERM (it drains and deregisters), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ExitStatus> {
    return this.child.stop(graceMs);
  }

  /** SIGKILL: it leaves without deregistering. */
  kill(): Promise<ExitStatus> {
    return this.child.kill();
  }
}

/** Starts an echo instance and resolves once it serves (and has tried its first registration). */
export async function launchEchoInstance(o: EchoInstanceOptions): Promise<EchoInstanceProcess> {
  const config: EchoInstanceConfig = {
    controlPlane: o.controlPlane,
    service: o.service ?? "echo",
    leaseTtlMs: o.leaseTtlMs ?? 1000,
    zone: o.zone ?? "",
    delayMs: o.delayMs ?? 0,
  };
  const child = await (o.tracker ?? sharedTracker).spawnNode(
    `instance ${config.service}`,
    [...PROGRAM_ARGS, JSON.stringify(config)],
    { freezable: o.freezable ?? false },
  );
  try {
    const ready = await child.waitForJson(
      (line) => line.ready === true,
      o.startTimeoutMs ?? 30_000,
      "ready line",
    );
    return new EchoInstanceProcess(child, String(ready.address));
  } catch (error) {
    await child.kill();
    throw error;
  }
}
