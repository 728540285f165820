import { type ControlPlane, createControlPlane } from "@switchboard/control-plane";
import pino from "pino";

export const silent = pino({ level: "silent" });

export interface StartedControlPlane {
  readonly cp: ControlPlane;
  readonly address: string;
  stop(): Promise<void>;
}

/** An in-process control plane on a free loopback port, with its embedded memory store. */
export async function startControlPlane(): Promise<StartedControlPlane> {
  const cp = createControlPlane({
    listenAddress: "127.0.0.1:0",
    metricsListenAddress: "off",
    logger: silent,
    defaultLeaseTtlMs: 3000,
    minLeaseTtlMs: 500,
  });
  const { address } = await cp.start();
  return { cp, address, stop: () => cp.stop({ graceMs: 200 }) };
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
