import type { ControlPlane } from "@switchboard/control-plane";
import { startInProcessControlPlane } from "@switchboard/control-plane/testing";
import pino from "pino";

export const silent = pino({ level: "silent" });

export interface StartedControlPlane {
  readonly cp: ControlPlane;
  readonly address: string;
  stop(): Promise<void>;
}

/** An in-process control plane on a free loopback port, with its embedded memory store. */
export async function startControlPlane(): Promise<StartedControlPlane> {
  const started = await startInProcessControlPlane({ defaultLeaseTtlMs: 3000, minLeaseTtlMs: 500 });
  return { cp: started.plane, address: started.address, stop: () => started.stop(200) };
}

/** Polls `check` until it holds: only for effects that cross a process or a network stream. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
