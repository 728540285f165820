import type { ServiceRuntime } from "./service-runtime.js";

/** What a `mesh:` channel needs from the mesh client it resolves through. */
export interface MeshHandle {
  readonly name: string;
  /** The runtime of `service`, subscribing to it on first use. */
  acquire(service: string): ServiceRuntime;
  /** Why no endpoints are known yet, when the control plane cannot be reached; else undefined. */
  unreachableReason(): string | undefined;
}

const meshes = new Map<string, MeshHandle>();
const order: MeshHandle[] = [];
const registrationListeners = new Set<() => void>();

/**
 * Calls `listener` each time a mesh client is created (channels made before the mesh client
 * wait for it); returns a function that stops it.
 */
export function onMeshRegistered(listener: () => void): () => void {
  registrationListeners.add(listener);
  return () => registrationListeners.delete(listener);
}

/** Makes a mesh client reachable from `mesh://<name>/...` targets (and `mesh:///...` when first). */
export function registerMesh(mesh: MeshHandle): void {
  if (meshes.has(mesh.name)) {
    throw new Error(
      `a mesh client named "${mesh.name}" already exists in this process; close it first or pass another name`,
    );
  }
  meshes.set(mesh.name, mesh);
  order.push(mesh);
  for (const listener of [...registrationListeners]) listener();
}

export function unregisterMesh(mesh: MeshHandle): void {
  if (meshes.get(mesh.name) === mesh) meshes.delete(mesh.name);
  const i = order.indexOf(mesh);
  if (i >= 0) order.splice(i, 1);
}

/** The mesh for a target authority: by name, or the oldest open mesh client for an empty one. */
export function lookupMesh(name: string | undefined): MeshHandle | undefined {
  return name ? meshes.get(name) : order[0];
}
