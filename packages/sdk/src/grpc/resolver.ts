import { type ChannelOptions, experimental, Metadata, status } from "@grpc/grpc-js";
import { lookupMesh, onMeshRegistered } from "../client/mesh-registry.js";
import type { ServiceRuntime } from "../client/service-runtime.js";
import { outsideServedCalls } from "../route/propagation.js";
import { admitCall } from "./admission.js";
import { MESH_LB_NAME, RUNTIME_ATTRIBUTE } from "./load-balancer.js";

export const MESH_SCHEME = "mesh";

/**
 * How long a `mesh:` channel used before any mesh client exists waits for one before its calls
 * fail with a message saying so, ms. It keeps waiting after that: the mesh client's creation
 * resolves it.
 */
export const MESH_CLIENT_WAIT_MS = 1000;

function serviceOf(target: experimental.GrpcUri): string {
  return target.path.replace(/^\/+/, "");
}

/**
 * Resolver for `mesh:///<service>` (or `mesh://<mesh-name>/<service>`). It subscribes to the
 * service through the process's mesh client and hands grpc-js the service's endpoints, the
 * `switchboard_mesh` balancer, and a config selector that applies the service's policy per call.
 * Updates are pushed as the control plane streams them; nothing is polled.
 *
 * The scheme is registered when the SDK is imported, so a channel may be created before the mesh
 * client: it resolves as soon as the mesh client exists.
 */
class MeshResolver implements experimental.Resolver {
  private readonly service: string;
  private readonly meshName: string | undefined;
  private runtime: ServiceRuntime | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly selector: experimental.ConfigSelector;
  private destroyed = false;
  /** While no mesh client exists: stops listening for one. */
  private stopWaiting: (() => void) | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  private waitedLongEnough = false;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    _options: ChannelOptions,
  ) {
    this.service = serviceOf(target);
    this.meshName = target.authority || undefined;
    const targetUri = experimental.uriToString(target);
    this.selector = {
      invoke: (path: string, metadata: Metadata) => {
        if (!this.runtime) throw new Error("switchboard: config selector used before resolution");
        return admitCall(this.runtime, path, metadata, targetUri);
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
    this.endWait();
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
      this.awaitMesh();
      return;
    }
    this.endWait();
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

  /** No mesh client yet: resolve when one is created; fail calls meanwhile once waited long enough. */
  private awaitMesh(): void {
    const which = this.meshName ? `named "${this.meshName}"` : "in this process";
    const why = `switchboard: no mesh client ${which} after ${MESH_CLIENT_WAIT_MS} ms; create one with createMeshClient(${this.meshName ? `{ name: "${this.meshName}" }` : ""}) (channels made before it resolve once it exists)`;
    if (this.waitedLongEnough) this.fail(why);
    this.stopWaiting ??= onMeshRegistered(() => this.resolve());
    this.waitTimer ??= setTimeout(() => {
      this.waitedLongEnough = true;
      this.fail(why);
    }, MESH_CLIENT_WAIT_MS);
    this.waitTimer.unref();
  }

  private endWait(): void {
    this.stopWaiting?.();
    this.stopWaiting = undefined;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
  }

  private push(): void {
    const runtime = this.runtime;
    if (this.destroyed || !runtime || !runtime.view.initialized) return;
    const endpoints = runtime.view.endpoints.map((e) => ({ addresses: [{ host: e.host, port: e.port }] }));
    // Calls queued for this resolution are decided on the next tick of this context: outside
    // any served call, so none carries another call's propagated headers.
    outsideServedCalls(() =>
      this.listener(
        experimental.statusOrFromValue(endpoints),
        { [experimental.CHANNEL_ARGS_CONFIG_SELECTOR_KEY]: this.selector, [RUNTIME_ATTRIBUTE]: runtime },
        experimental.statusOrFromValue({
          loadBalancingConfig: [{ [MESH_LB_NAME]: { service: this.service } }],
          methodConfig: [],
        }),
        "",
      ),
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
