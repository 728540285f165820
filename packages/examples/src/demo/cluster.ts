import { join } from "node:path";
import type { DemoChild, JsonLine } from "./children.js";
import { controlPlaneEntry, exampleEntry } from "./entries.js";
import type { ProcessGroup } from "./process-group.js";

export type UserRole = "healthy" | "slow" | "flaky" | "canary";

export interface UserInstanceSpec {
  readonly name: string;
  readonly role: UserRole;
  readonly latencyMs: number;
  readonly failureRate: number;
  /** Registered as the endpoint's `version` metadata. */
  readonly version: string;
}

/** The three user-service instances of the demo: one healthy, one 40 ms slower, one failing 20% of calls. */
export const USER_INSTANCES: readonly UserInstanceSpec[] = [
  { name: "user-1", role: "healthy", latencyMs: 2, failureRate: 0, version: "v1" },
  { name: "user-2", role: "slow", latencyMs: 42, failureRate: 0, version: "v1" },
  { name: "user-3", role: "flaky", latencyMs: 2, failureRate: 0.2, version: "v1" },
];

/** The v2 instances the canary phases start, healthy. */
export const CANARY_INSTANCES: readonly UserInstanceSpec[] = [
  { name: "user-4", role: "canary", latencyMs: 2, failureRate: 0, version: "v2" },
  { name: "user-5", role: "canary", latencyMs: 2, failureRate: 0, version: "v2" },
];

export interface UserInstance extends UserInstanceSpec {
  readonly child: DemoChild;
  readonly address: string;
}

export interface Cluster {
  readonly controlPlane: { readonly child: DemoChild; readonly address: string; readonly store: string };
  /** Every user-service instance started so far (the canaries join when they start). */
  readonly users: UserInstance[];
  readonly order: { readonly child: DemoChild; readonly address: string; readonly statsUrl: string };
}

export interface ClusterOptions {
  readonly logDir: string;
  /** Lease TTL of the user-service instances, ms: how soon a killed one leaves the registry. */
  readonly leaseTtlMs: number;
}

const READY_TIMEOUT_MS = 20_000;

const isServiceReady = (line: JsonLine) => line.event === "ready" && typeof line.address === "string";

/** Starts the control plane (memory store, or Redis when REDIS_URL is set). */
async function startControlPlane(group: ProcessGroup, o: ClusterOptions): Promise<Cluster["controlPlane"]> {
  const args = [...controlPlaneEntry(), "--listen", "127.0.0.1:0", "--metrics-listen", "off"];
  // A key prefix of its own, apart from any real deployment on the same Redis; the same one on
  // every run, so runs do not pile up keys (what one leaves behind, the next overwrites or lets expire).
  if (process.env.REDIS_URL) args.push("--redis-prefix", "switchboard-demo");
  const child = await group.start({
    name: "control-plane",
    args,
    logFile: join(o.logDir, "control-plane.log"),
    stdinControl: false,
    isReady: (line) => line.msg === "control plane listening" && typeof line.address === "string",
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return { child, address: String(child.ready.address), store: String(child.ready.store ?? "memory") };
}

async function startUser(
  group: ProcessGroup,
  spec: UserInstanceSpec,
  controlPlane: string,
  o: ClusterOptions,
) {
  const args = [
    ...exampleEntry("user-service/main"),
    ...["--control-plane", controlPlane, "--name", spec.name, "--lease-ttl-ms", String(o.leaseTtlMs)],
    ...[
      "--latency-ms",
      String(spec.latencyMs),
      "--failure-rate",
      String(spec.failureRate),
      "--version",
      spec.version,
      "--stdin-control",
    ],
  ];
  const logFile = join(o.logDir, `${spec.name}.log`);
  const child = await group.start({
    name: spec.name,
    args,
    logFile,
    stdinControl: true,
    isReady: isServiceReady,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return { ...spec, child, address: String(child.ready.address) };
}

async function startOrder(
  group: ProcessGroup,
  controlPlane: string,
  o: ClusterOptions,
): Promise<Cluster["order"]> {
  const args = [
    ...exampleEntry("order-service/main"),
    "--control-plane",
    controlPlane,
    "--name",
    "order-1",
    "--stdin-control",
  ];
  const logFile = join(o.logDir, "order-1.log");
  const child = await group.start({
    name: "order-1",
    args,
    logFile,
    stdinControl: true,
    isReady: isServiceReady,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return { child, address: String(child.ready.address), statsUrl: String(child.ready.statsUrl) };
}

/** Starts the v2 (canary) user-service instances and adds them to the cluster. */
export async function startCanaries(
  group: ProcessGroup,
  cluster: Cluster,
  o: ClusterOptions,
): Promise<UserInstance[]> {
  const started = await Promise.all(
    CANARY_INSTANCES.map((spec) => startUser(group, spec, cluster.controlPlane.address, o)),
  );
  cluster.users.push(...started);
  return started;
}

/** Starts the control plane, then the three user-service instances, then the order service. */
export async function startCluster(group: ProcessGroup, o: ClusterOptions): Promise<Cluster> {
  const controlPlane = await startControlPlane(group, o);
  const users = await Promise.all(
    USER_INSTANCES.map((spec) => startUser(group, spec, controlPlane.address, o)),
  );
  const order = await startOrder(group, controlPlane.address, o);
  return { controlPlane, users, order };
}

/**
 * Stops everything in order: the order service, then the user services, then the control plane
 * (started first, stopped last, so the services can deregister). Works on a half-started cluster too.
 */
export function stopCluster(
  group: ProcessGroup,
  cluster: Cluster | undefined,
  graceMs: number,
): Promise<void> {
  const [, ...services] = group.all;
  const stages = cluster ? [[cluster.order.child], cluster.users.map((u) => u.child)] : [services];
  return group.stopAll(stages, graceMs);
}
