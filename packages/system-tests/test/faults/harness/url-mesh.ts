/**
 * A mesh on a Redis the scenario provides (a Sentinel deployment, or Redis behind a proxy):
 * control-plane processes on that URL, echo instances in processes of their own, and in this
 * process a mesh client with a stock generated client on `mesh://<name>/<service>`.
 */
import { credentials } from "@grpc/grpc-js";
import { uniqueKeyPrefix } from "@switchboard/control-plane/testing";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import pino from "pino";
import { EchoServiceClient } from "../../gen/echo/v1/echo.js";
import { type ControlPlaneProcess, startControlPlaneProcess } from "./control-plane-process.js";
import { type Instance, spawnInstance } from "./instances.js";
import { RETRY_POLICY } from "./mesh.js";
import { pollUntil, RegistryProbe, sameSet } from "./registry.js";
import type { ScenarioContext } from "./scenario.js";

export interface UrlMeshOptions {
  /** The Redis URL of each replica (one entry per replica). */
  readonly redisUrls: readonly string[];
  readonly instances: number;
  readonly leaseTtlMs: number;
  readonly meshName: string;
  /** Control-plane addresses the mesh client is given (a proxy, say); default: the replicas'.
   * Instances always get the replicas' own addresses. */
  readonly clientAddresses?: (planes: readonly ControlPlaneProcess[]) => Promise<string[]>;
  /** Extra control-plane flags. */
  readonly extraArgs?: readonly string[];
}

export interface UrlMesh {
  readonly planes: ControlPlaneProcess[];
  readonly instances: Instance[];
  readonly mesh: MeshClient;
  readonly client: EchoServiceClient;
  readonly registry: RegistryProbe;
  readonly service: string;
  /** The replicas' own addresses. */
  readonly addresses: string[];
  /** Endpoint ids the client routes on, sorted. */
  clientView(): string[];
  /** Instances alive but missing from the registry now (undefined: no replica answered). */
  missing(): Promise<number | undefined>;
}

const silent = pino({ level: "silent" });

export async function startUrlMesh(ctx: ScenarioContext, o: UrlMeshOptions): Promise<UrlMesh> {
  const service = "echo";
  const keyPrefix = uniqueKeyPrefix("faults");
  const planes: ControlPlaneProcess[] = [];
  for (const [i, redisUrl] of o.redisUrls.entries()) {
    planes.push(
      await startControlPlaneProcess(ctx.children, {
        replicaId: `replica-${String.fromCharCode(97 + i)}`,
        redisUrl,
        redisKeyPrefix: keyPrefix,
        defaultLeaseTtlMs: o.leaseTtlMs,
        maxLeaseTtlMs: o.leaseTtlMs,
        ...(o.extraArgs ? { extraArgs: o.extraArgs } : {}),
      }),
    );
  }
  const addresses = planes.map((p) => p.address);
  const clientAddresses = (await o.clientAddresses?.(planes)) ?? addresses;
  const registry = new RegistryProbe(addresses);
  ctx.defer(() => registry.close());
  await registry.setPolicy(service, RETRY_POLICY);
  const instances = await Promise.all(
    Array.from({ length: o.instances }, () =>
      spawnInstance(ctx.children, {
        controlPlane: addresses.join(","),
        service,
        leaseTtlMs: o.leaseTtlMs,
      }),
    ),
  );
  const mesh = createMeshClient({
    controlPlane: clientAddresses,
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
    planes,
    instances,
    mesh,
    client,
    registry,
    service,
    addresses,
    clientView,
    async missing() {
      const view = await registry.view(service);
      if (!view) return undefined;
      return instances.filter((i) => i.child.alive && !view.endpoints.includes(i.address)).length;
    },
  };
}
