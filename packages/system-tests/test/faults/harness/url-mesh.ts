/**
 * A mesh on a Redis the scenario provides (a Sentinel deployment, or Redis behind a proxy):
 * control-plane processes on that URL, echo instances in processes of their own, and in this
 * process a mesh client with a stock generated client on `mesh://<name>/<service>`.
 */
import { type ControlPlaneProcess, uniqueKeyPrefix } from "@switchboard/control-plane/testing";
import { type MeshParts, RETRY_POLICY, startMeshParts, startReplica } from "./mesh.js";
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
}

export interface UrlMesh extends MeshParts {
  readonly planes: ControlPlaneProcess[];
  readonly service: string;
  /** The replicas' own addresses. */
  readonly addresses: string[];
  /** Instances alive but missing from the registry now (undefined: no replica answered). */
  missing(): Promise<number | undefined>;
}

export async function startUrlMesh(ctx: ScenarioContext, o: UrlMeshOptions): Promise<UrlMesh> {
  const service = "echo";
  const redisKeyPrefix = uniqueKeyPrefix("faults");
  const planes: ControlPlaneProcess[] = [];
  for (const [i, redisUrl] of o.redisUrls.entries()) {
    planes.push(await startReplica(ctx, i, { redisUrl, redisKeyPrefix, leaseTtlMs: o.leaseTtlMs }));
  }
  const addresses = planes.map((p) => p.address);
  const clientAddresses = await o.clientAddresses?.(planes);
  const parts = await startMeshParts(ctx, {
    service,
    policy: RETRY_POLICY,
    instances: o.instances,
    leaseTtlMs: o.leaseTtlMs,
    meshName: o.meshName,
    addresses,
    ...(clientAddresses ? { clientAddresses } : {}),
    freezable: false,
  });
  const { instances, registry } = parts;
  return {
    ...parts,
    planes,
    service,
    addresses,
    async missing() {
      const view = await registry.view(service);
      if (!view) return undefined;
      return instances.filter((i) => i.child.running && !view.endpoints.includes(i.address)).length;
    },
  };
}
