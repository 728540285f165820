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

export interface Mesh extends MeshParts {
  readonly redis: RedisServerHandle | undefined;
  readonly planes: ControlPlaneProcess[];
  readonly service: string;
  readonly leaseTtlMs: number;
  /** Control-plane addresses, in the order clients try them. */
  readonly addresses: string[];
  /** Starts (or restarts, on the same port) replica `i`. */
  startPlane(i: number, port?: number): Promise<ControlPlaneProcess>;
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

export interface ReplicaOptions {
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string | undefined;
  /** Lease TTL granted when an instance asks for none. */
  readonly leaseTtlMs: number;
  /** The longest lease TTL (and the start-up pause of lease expiry). Default: `leaseTtlMs`. */
  readonly maxLeaseTtlMs?: number;
  /** Port on 127.0.0.1. Default: any free port. */
  readonly port?: number;
}

/** Starts control-plane replica `i` (replica-a, replica-b, ...) as a child of the scenario. */
export function startReplica(
  ctx: ScenarioContext,
  i: number,
  o: ReplicaOptions,
): Promise<ControlPlaneProcess> {
  return launchControlPlane({
    tracker: ctx.children,
    replicaId: `replica-${String.fromCharCode(97 + i)}`,
    ...(o.port !== undefined ? { port: o.port } : {}),
    redisUrl: o.redisUrl,
    redisKeyPrefix: o.redisKeyPrefix,
    args: [
      ...["--min-lease-ttl-ms", "500", "--lease-ttl-ms", String(o.leaseTtlMs)],
      ...["--max-lease-ttl-ms", String(o.maxLeaseTtlMs ?? o.leaseTtlMs)],
    ],
  });
}

export interface MeshParts {
  readonly instances: EchoInstanceProcess[];
  readonly mesh: MeshClient;
  readonly client: EchoServiceClient;
  readonly registry: RegistryProbe;
  /** Ids of the endpoints the client routes on, sorted. */
  clientView(): string[];
}

export interface MeshPartsOptions {
  readonly service: string;
  readonly policy: DeepPartial<Policy>;
  readonly instances: number;
  readonly leaseTtlMs: number;
  readonly meshName: string;
  /** The replicas' own addresses: the instances register there. */
  readonly addresses: readonly string[];
  /** What the mesh client is given. Default: `addresses`. */
  readonly clientAddresses?: readonly string[];
  /** Instances held by a reaper, so that one frozen with SIGSTOP still ends with the suite. */
  readonly freezable: boolean;
}

/**
 * On running control planes: the service's policy, echo instances in processes of their own,
 * and a mesh client with a stock generated client, resolved once the client sees every instance.
 */
export async function startMeshParts(ctx: ScenarioContext, o: MeshPartsOptions): Promise<MeshParts> {
  const registry = new RegistryProbe(o.addresses);
  ctx.defer(() => registry.close());
  await registry.setPolicy(o.service, o.policy);
  const instances = await Promise.all(
    Array.from({ length: o.instances }, () =>
      launchEchoInstance({
        tracker: ctx.children,
        controlPlane: o.addresses.join(","),
        service: o.service,
        leaseTtlMs: o.leaseTtlMs,
        freezable: o.freezable,
      }),
    ),
  );
  const mesh = createMeshClient({
    controlPlane: [...(o.clientAddresses ?? o.addresses)],
    name: o.meshName,
    clientId: `faults-${o.meshName}`,
    logger: silent,
  });
  ctx.defer(() => mesh.close());
  const client = new EchoServiceClient(`mesh://${o.meshName}/${o.service}`, credentials.createInsecure());
  ctx.defer(() => client.close());
  await mesh.waitForService(o.service, { timeoutMs: 10_000 });
  const all = instances.map((i) => i.address);
  const clientView = () =>
    mesh
      .endpoints(o.service)
      .map((e) => e.id)
      .sort();
  if ((await pollUntil(() => sameSet(clientView(), all), 10_000)) === undefined) {
    throw new Error(`the client never saw all ${all.length} instances (it has ${clientView().join(", ")})`);
  }
  return { instances, mesh, client, registry, clientView };
}

export async function startMesh(ctx: ScenarioContext, o: MeshOptions): Promise<Mesh> {
  const service = o.service ?? "echo";
  const redis = o.store === "redis" ? await launchRedis({ tracker: ctx.children }) : undefined;
  if (redis) ctx.defer(() => redis.stop());
  const planes: ControlPlaneProcess[] = [];
  let lastStart = 0;
  const startPlane = async (i: number, port?: number): Promise<ControlPlaneProcess> => {
    const plane = await startReplica(ctx, i, {
      redisUrl: redis?.url,
      redisKeyPrefix: redis?.keyPrefix,
      leaseTtlMs: o.leaseTtlMs,
      ...(o.maxLeaseTtlMs !== undefined ? { maxLeaseTtlMs: o.maxLeaseTtlMs } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    planes[i] = plane;
    lastStart = Date.now();
    return plane;
  };
  for (let i = 0; i < o.replicas; i++) await startPlane(i);
  const addresses = planes.map((p) => p.address);
  const parts = await startMeshParts(ctx, {
    service,
    policy: o.policy ?? RETRY_POLICY,
    instances: o.instances,
    leaseTtlMs: o.leaseTtlMs,
    meshName: o.meshName,
    addresses,
    // instance-freeze freezes one with SIGSTOP: a reaper still ends it should the suite die.
    freezable: true,
  });
  const { registry, mesh, clientView } = parts;
  return {
    ...parts,
    redis,
    planes,
    service,
    leaseTtlMs: o.leaseTtlMs,
    addresses,
    startPlane,
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
