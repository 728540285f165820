import { join } from "node:path";
import {
  type Child,
  type ChildTracker,
  type JsonLine,
  launchControlPlane,
} from "@switchboard/control-plane/testing";
import { controlPlaneEntry, exampleEntry } from "./entries.js";

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
  readonly child: Child;
  readonly address: string;
}

export interface Cluster {
  readonly controlPlane: { readonly child: Child; readonly address: string; readonly store: string };
  /** Every user-service instance started so far (the canaries join when they start). */
  readonly users: UserInstance[];
  readonly order: { readonly child: Child; readonly address: string; readonly statsUrl: string };
}

export interface ClusterOptions {
  readonly logDir: string;
  /** Lease TTL of the user-service instances, ms: how soon a killed one leaves the registry. */
  readonly leaseTtlMs: number;
}

const READY_TIMEOUT_MS = 20_000;

const isServiceReady = (line: JsonLine) => line.event === "ready" && typeof line.address === "string";

/** Every child: a process group of its own, so a Ctrl-C in the terminal reaches the demo only,
 * which then stops the children in order; stdout and stderr into its log file. */
const childOptions = (logFile: string) => ({ detached: true, logFile }) as const;

/** Starts a node child and waits for its ready line; a child that never gets ready is killed. */
async function startService(
  tracker: ChildTracker,
  name: string,
  args: readonly string[],
  o: ClusterOptions,
): Promise<{ child: Child; ready: JsonLine }> {
  const logFile = join(o.logDir, `${name}.log`);
  const child = await tracker.spawnNode(name, args, { ...childOptions(logFile), stdin: "pipe" });
  try {
    return {
      child,
      ready: await child.waitForJson(isServiceReady, READY_TIMEOUT_MS, `ready line (see ${logFile})`),
    };
  } catch (error) {
    await child.kill();
    throw error;
  }
}

/** Starts the control plane (memory store, or Redis when REDIS_URL is set). */
async function startControlPlane(tracker: ChildTracker, o: ClusterOptions): Promise<Cluster["controlPlane"]> {
  const plane = await launchControlPlane({
    tracker,
    ...controlPlaneEntry(),
    ...childOptions(join(o.logDir, "control-plane.log")),
    // The demo's Redis, if any, is the one the environment names.
    env: { ...process.env },
    // A key prefix of its own, apart from any real deployment on the same Redis; the same one on
    // every run, so runs do not pile up keys (what one leaves behind, the next overwrites or lets expire).
    ...(process.env.REDIS_URL ? { redisKeyPrefix: "switchboard-demo" } : {}),
    startTimeoutMs: READY_TIMEOUT_MS,
  });
  return { child: plane.child, address: plane.address, store: String(plane.listening.store ?? "memory") };
}

async function startUser(
  tracker: ChildTracker,
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
  const { child, ready } = await startService(tracker, spec.name, args, o);
  return { ...spec, child, address: String(ready.address) };
}

async function startOrder(
  tracker: ChildTracker,
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
  const { child, ready } = await startService(tracker, "order-1", args, o);
  return { child, address: String(ready.address), statsUrl: String(ready.statsUrl) };
}

/** Starts the v2 (canary) user-service instances and adds them to the cluster. */
export async function startCanaries(
  tracker: ChildTracker,
  cluster: Cluster,
  o: ClusterOptions,
): Promise<UserInstance[]> {
  const started = await Promise.all(
    CANARY_INSTANCES.map((spec) => startUser(tracker, spec, cluster.controlPlane.address, o)),
  );
  cluster.users.push(...started);
  return started;
}

/** Starts the control plane, then the three user-service instances, then the order service. */
export async function startCluster(tracker: ChildTracker, o: ClusterOptions): Promise<Cluster> {
  const controlPlane = await startControlPlane(tracker, o);
  const users = await Promise.all(
    USER_INSTANCES.map((spec) => startUser(tracker, spec, controlPlane.address, o)),
  );
  const order = await startOrder(tracker, controlPlane.address, o);
  return { controlPlane, users, order };
}

/**
 * Stops everything in order: the order service, then the user services, then the control plane
 * (started first, stopped last, so the services can deregister). Works on a half-started cluster too.
 */
export function stopCluster(
  tracker: ChildTracker,
  cluster: Cluster | undefined,
  graceMs: number,
): Promise<void> {
  const [, ...services] = tracker.all;
  const stages = cluster ? [[cluster.order.child], cluster.users.map((u) => u.child)] : [services];
  return tracker.stopAll(graceMs, stages);
}
