import type { ControlPlane } from "@switchboard/control-plane";
import { startInProcessControlPlane } from "@switchboard/control-plane/testing";
import { createMeshServer, type MeshServer } from "@switchboard/sdk";
import pino from "pino";
import { type EchoBehaviour, EchoServiceService, echoImplementation } from "../../src/echo-service.js";

export const silent = pino({ level: "silent" });

export interface StartedControlPlane {
  readonly cp: ControlPlane;
  readonly address: string;
  stop(): Promise<void>;
}

export async function startControlPlane(
  options: { redisUrl?: string; redisKeyPrefix?: string; listen?: string } = {},
): Promise<StartedControlPlane> {
  const started = await startInProcessControlPlane({
    ...(options.listen ? { listenAddress: options.listen } : {}),
    redisUrl: options.redisUrl,
    ...(options.redisKeyPrefix ? { redisKeyPrefix: options.redisKeyPrefix } : {}),
    defaultLeaseTtlMs: 3000,
    minLeaseTtlMs: 500,
  });
  return { cp: started.plane, address: started.address, stop: () => started.stop(200) };
}

export interface EchoInstance {
  readonly server: MeshServer;
  readonly address: string;
  readonly behaviour: EchoBehaviour;
}

export async function startEchoInstance(
  controlPlane: string,
  options: {
    service?: string;
    zone?: string;
    weight?: number;
    leaseTtlMs?: number;
    behaviour?: Partial<EchoBehaviour>;
    /** Registered with the endpoint (route subsets select on it, e.g. `{ version: "v2" }`). */
    metadata?: Readonly<Record<string, string>>;
  } = {},
): Promise<EchoInstance> {
  const behaviour: EchoBehaviour = { delayMs: 0, failWithCode: 0, failureRate: 0, ...options.behaviour };
  let address = "";
  const server = createMeshServer({
    service: options.service ?? "echo",
    controlPlane,
    listen: "127.0.0.1:0",
    zone: options.zone ?? "",
    weight: options.weight ?? 1,
    leaseTtlMs: options.leaseTtlMs ?? 1000,
    handleSignals: false,
    drainPropagationTimeoutMs: 2000,
    logger: silent,
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
  server.addService(
    EchoServiceService,
    echoImplementation(() => address, behaviour),
  );
  address = (await server.start()).address;
  return { server, address, behaviour };
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. For cross-process effects only. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
