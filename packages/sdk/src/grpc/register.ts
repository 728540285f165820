import { registerMeshBalancer } from "./load-balancer.js";
import { registerMeshResolver } from "./resolver.js";

let registered = false;

/**
 * Registers the `mesh:` resolver and the `switchboard_mesh` balancer with grpc-js (once per
 * process; the grpc-js instance is the one this package resolves, which must be the
 * application's own: @grpc/grpc-js is a peer dependency).
 */
export function registerWithGrpc(): void {
  if (registered) return;
  registered = true;
  registerMeshResolver();
  registerMeshBalancer();
}
