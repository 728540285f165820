/**
 * The mesh a scenario breaks: a real redis-server (or the memory store), control-plane
 * processes, echo instances in processes of their own, and in this process a mesh client with a
 * stock generated client on `mesh://<name>/<service>`.
 */
import { credentials } from "@grpc/grpc-js";
import {
  type ControlPlaneProcess,
  launchControlPlane,
  launchRedis,
  type RedisServerHandle,
} from "@switchboard/control-plane/testing";
import type { DeepPartial, Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import pino from "pino";
import { type EchoInstanceProcess, EchoServiceClient, launchEchoInstance } from "../../../src/index.js";
import { pollUntil, RegistryProbe, sameSet } from "./registry.js";
import type { ScenarioContext } from "./scenario.js";

/** Retries on another endpoint for UNAVAILABLE: what "where retries can cover the fault" means. */
export const RETRY_POLICY: DeepPartial<Policy> = {
  retry: { maxAttempts: 3, retryableCodes: ["UNAVAILABLE"], initialBackoffMs: 10, maxBackoffMs: 100 },
};

export interface MeshOptions {
  readonly store: "redis" | "memory";
  readonly replicas: 1 | 2;
  readonly instances: number;
  /** Lease TTL the instances ask for, ms. */
  readonly leaseTtlMs: number;
  /** The control plane's longest lease TTL, which is also how long lease expiry waits after a
   * Redis-backed start. Default: `leaseTtlMs` (a short wait, so faults can come soon). */
  readonly maxLeaseTtlMs?: number;
  /** Name of the mesh client (targets are mesh://<name>/<service>). */
  readonly meshName: string;
  readonly service?: string;
  readonly policy?: DeepPartial<Policy>;
}

export interface Mesh {
  readonly redis: RedisServerHandle | undefined;
  readonly planes: ControlPlaneProcess[];
  readonly instances: EchoInstanceProcess[];
  readonly mesh: MeshClient;
  readonly client: EchoServiceClient;
  readonly registry: RegistryProbe;
  readonly service: string;
  readonly leaseTtlMs: number;
  /** Control-plane addresses, in the order clients try them. */
  readonly addresses: string[];
  /** Starts (or restarts, on the same port) replica `i`. */
  startPlane(i: number, port?: number): Promise<ControlPlaneProcess>;
  /** Ids of the endpoints the client routes on, sorted. */
  clientView(): string[];
  /**
   * Resolves once every control plane is past its start-up pause of lease expiry (one max lease
   * TTL after a Redis-backed start, so instances can renew leases that ran out while no control
   * plane ran): the steady state a fault is injected into.
   */
  steady(): Promise<void>;
  /** True when the registry and the client both list exactly `ids`, all serving, none stale. */
  converged(ids: readonly string[]): Promise<boolean>;
}

const silent = pino({ level: "silent" });

export async function startMesh(ctx: ScenarioContext, o: MeshOptions): Promise<Mesh> {
  const service = o.service ?? "echo";
  const redis = o.store === "redis" ? await launchRedis({ tracker: ctx.children }) : undefined;
  if (redis) ctx.defer(() => redis.stop());
  const planes: ControlPlaneProcess[] = [];
  let lastStart = 0;
  const startPlane = async (i: number, port?: number): Promise<ControlPlaneProcess> => {
    const plane = await launchControlPlane({
      tracker: ctx.children,
      replicaId: `replica-${String.fromCharCode(97 + i)}`,
      ...(port !== undefined ? { port } : {}),
      redisUrl: redis?.url,
      redisKeyPrefix: redis?.keyPrefix,
      args: [
        ...["--min-lease-ttl-ms", "500", "--lease-ttl-ms", String(o.leaseTtlMs)],
        ...["--max-lease-ttl-ms", String(o.maxLeaseTtlMs ?? o.leaseTtlMs)],
      ],
    });
    planes[i] = plane;
    lastStart = Date.now();
    return plane;
  };
  for (let i = 0; i < o.replicas; i++) await startPlane(i);
  const addresses = planes.map((p) => p.address);
  const registry = new RegistryProbe(addresses);
  ctx.defer(() => registry.close());
  await registry.setPolicy(service, o.policy ?? RETRY_POLICY);
  const instances = await Promise.all(
    Array.from({ length: o.instances }, () =>
      launchEchoInstance({
        tracker: ctx.children,
        controlPlane: addresses.join(","),
        service,
        leaseTtlMs: o.leaseTtlMs,
        // instance-freeze freezes one with SIGSTOP: a reaper still ends it should the suite die.
        freezable: true,
      }),
    ),
  );
  const mesh = createMeshClient({
    controlPlane: addresses,
    name: o.meshName,
    clientId: `faults-${o.meshName}`,
    logger: silent,
  });
  ctx.defer(() => mesh.close());
  const client = new EchoServiceClient(`mesh://${o.meshName}/${service}`, credentials.createInsecure());
  ctx.defer(() => client.close());
  await mesh.waitForService(service, { timeoutMs: 10_000 });
  const all = instances.map((i) => i.address);
  const clientView = () =>
    mesh
      .endpoints(service)
      .map((e) => e.id)
      .sort();
  if ((await pollUntil(() => sameSet(clientView(), all), 10_000)) === undefined) {
    throw new Error(`the client never saw all ${all.length} instances (it has ${clientView().join(", ")})`);
  }
  return {
    redis,
    planes,
    instances,
    mesh,
    client,
    registry,
    service,
    leaseTtlMs: o.leaseTtlMs,
    addresses,
    startPlane,
    clientView,
    async steady() {
      const at = lastStart + (o.maxLeaseTtlMs ?? o.leaseTtlMs) + 600;
      if (redis && Date.now() < at) {
        ctx.log(`waiting ${at - Date.now()} ms for the control plane's start-up pause of lease expiry`);
        await pollUntil(() => Date.now() >= at, at - Date.now() + 1000, 50);
      }
    },
    async converged(ids) {
      const view = await registry.view(service);
      if (!view || !sameSet(view.endpoints, ids) || !sameSet(view.serving, ids)) return false;
      const stats = mesh.stats().services[service];
      return stats !== undefined && !stats.stale && sameSet(clientView(), ids);
    },
  };
}

/** Lets the load run for `ms` (the scenarios' only plain wait: it is the load's duration). */
export function runFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
