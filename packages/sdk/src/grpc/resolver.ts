import { type ChannelOptions, experimental, Metadata, status } from "@grpc/grpc-js";
import { lookupMesh } from "../client/mesh-registry.js";
import type { ServiceRuntime } from "../client/service-runtime.js";
import { admitCall } from "./admission.js";
import { MESH_LB_NAME, RUNTIME_ATTRIBUTE } from "./load-balancer.js";

export const MESH_SCHEME = "mesh";

function serviceOf(target: experimental.GrpcUri): string {
  return target.path.replace(/^\/+/, "");
}

/**
 * Resolver for `mesh:///<service>` (or `mesh://<mesh-name>/<service>`). It subscribes to the
 * service through the process's mesh client and hands grpc-js the service's endpoints, the
 * `switchboard_mesh` balancer, and a config selector that applies the service's policy per call.
 * Updates are pushed as the control plane streams them; nothing is polled.
 */
class MeshResolver implements experimental.Resolver {
  private readonly service: string;
  private readonly meshName: string | undefined;
  private runtime: ServiceRuntime | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly selector: experimental.ConfigSelector;
  private destroyed = false;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    _options: ChannelOptions,
  ) {
    this.service = serviceOf(target);
    this.meshName = target.authority || undefined;
    this.selector = {
      invoke: (path: string) => {
        if (!this.runtime) throw new Error("switchboard: config selector used before resolution");
        return admitCall(this.runtime, path);
      },
      unref: () => {},
    };
  }

  updateResolution(): void {
    this.destroyed = false;
    // Never call the listener synchronously from here (grpc-js's resolver contract).
    setImmediate(() => this.resolve());
  }

  destroy(): void {
    this.destroyed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.runtime = undefined;
  }

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return serviceOf(target);
  }

  private resolve(): void {
    if (this.destroyed) return;
    if (!this.service) {
      this.fail("switchboard: a mesh target needs a service name (mesh:///my-service)");
      return;
    }
    const mesh = lookupMesh(this.meshName);
    if (!mesh) {
      const which = this.meshName ? `named "${this.meshName}"` : "in this process";
      this.fail(
        `switchboard: no mesh client ${which}; call createMeshClient() before using mesh:/// targets`,
      );
      return;
    }
    if (!this.runtime) {
      this.runtime = mesh.acquire(this.service);
      this.unsubscribe = this.runtime.onChange(() => this.resolve());
    }
    if (this.runtime.view.initialized) {
      this.push();
      return;
    }
    const reason = this.runtime.subscriptionFailure ?? mesh.unreachableReason();
    if (reason) this.fail(`switchboard: no endpoints known for ${this.service} yet: ${reason}`);
  }

  private push(): void {
    const runtime = this.runtime;
    if (this.destroyed || !runtime || !runtime.view.initialized) return;
    const endpoints = runtime.view.endpoints.map((e) => ({ addresses: [{ host: e.host, port: e.port }] }));
    this.listener(
      experimental.statusOrFromValue(endpoints),
      { [experimental.CHANNEL_ARGS_CONFIG_SELECTOR_KEY]: this.selector, [RUNTIME_ATTRIBUTE]: runtime },
      experimental.statusOrFromValue({
        loadBalancingConfig: [{ [MESH_LB_NAME]: { service: this.service } }],
        methodConfig: [],
      }),
      "",
    );
  }

  private fail(details: string): void {
    if (this.destroyed) return;
    this.listener(
      experimental.statusOrFromError({ code: status.UNAVAILABLE, details, metadata: new Metadata() }),
      {},
      null,
      details,
    );
  }
}

export function registerMeshResolver(): void {
  experimental.registerResolver(MESH_SCHEME, MeshResolver);
}
