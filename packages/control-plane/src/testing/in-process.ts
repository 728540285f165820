/** A control plane in the test's own process, on 127.0.0.1:0: for tests that need no process of its own. */
import { pino } from "pino";
import type { ControlPlaneOptions } from "../config.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";

export interface InProcessControlPlane {
  readonly plane: ControlPlane;
  /** host:port it listens on. */
  readonly address: string;
  readonly port: number;
  readonly metricsPort: number | undefined;
  /** Stops it; calls in flight get `graceMs` (default 1000). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a control plane with `options` over these defaults: listening on 127.0.0.1:0, no
 * metrics listener, a silent logger, the embedded memory store unless a store or Redis is named.
 */
export async function startInProcessControlPlane(
  options: ControlPlaneOptions = {},
): Promise<InProcessControlPlane> {
  const plane = createControlPlane({
    listenAddress: "127.0.0.1:0",
    metricsListenAddress: "off",
    logger: pino({ level: "silent" }),
    ...options,
  });
  const bound = await plane.start().catch(async (error: unknown) => {
    await plane.stop({ graceMs: 0 });
    throw error;
  });
  return {
    plane,
    address: bound.address,
    port: bound.port,
    metricsPort: bound.metricsPort,
    stop: (graceMs = 1000) => plane.stop({ graceMs }),
  };
}
