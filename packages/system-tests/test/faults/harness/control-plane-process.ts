/** The real `switchboard-control-plane` bin (built into dist/) as a child process. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Child, ChildSet } from "./children.js";

export const CONTROL_PLANE_BIN = fileURLToPath(
  new URL("../../../../control-plane/dist/bin/switchboard-control-plane.js", import.meta.url),
);

export interface ControlPlaneProcessOptions {
  readonly replicaId: string;
  /** 0 (default): any free port. */
  readonly port?: number;
  /** Unset: the embedded memory store. */
  readonly redisUrl?: string | undefined;
  readonly redisKeyPrefix?: string | undefined;
  /** Lease TTL granted when an instance asks for none, and the bounds. */
  readonly defaultLeaseTtlMs?: number;
  readonly minLeaseTtlMs?: number;
  readonly maxLeaseTtlMs?: number;
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface ControlPlaneProcess {
  readonly child: Child;
  readonly address: string;
  readonly port: number;
  readonly replicaId: string;
}

/** Starts the bin and resolves once it logs "control plane listening". */
export async function startControlPlaneProcess(
  children: ChildSet,
  o: ControlPlaneProcessOptions,
): Promise<ControlPlaneProcess> {
  if (!existsSync(CONTROL_PLANE_BIN)) {
    throw new Error(`${CONTROL_PLANE_BIN} is missing: run "pnpm run build" first`);
  }
  const args = [
    CONTROL_PLANE_BIN,
    "--listen",
    `127.0.0.1:${o.port ?? 0}`,
    "--metrics-listen",
    "off",
    "--replica-id",
    o.replicaId,
    "--min-lease-ttl-ms",
    String(o.minLeaseTtlMs ?? 500),
    "--max-lease-ttl-ms",
    String(o.maxLeaseTtlMs ?? 60_000),
    "--lease-ttl-ms",
    String(o.defaultLeaseTtlMs ?? 10_000),
    ...(o.extraArgs ?? []),
  ];
  const env: NodeJS.ProcessEnv = {
    SWITCHBOARD_LOG_LEVEL: "info",
    REDIS_URL: o.redisUrl ?? "",
    SWITCHBOARD_REDIS_PREFIX: o.redisKeyPrefix ?? "switchboard",
    ...o.env,
  };
  const child = children.spawnNode(`control-plane ${o.replicaId}`, args, env);
  const line = await child.waitForLine((l) => l.includes('"control plane listening"'), 20_000, "listen line");
  const { address, port } = JSON.parse(line) as { address: string; port: number };
  return { child, address, port, replicaId: o.replicaId };
}
