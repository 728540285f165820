/**
 * Cross-process test infrastructure, shared by the control plane's own tests, the system tests,
 * the benchmarks and the demo: `@switchboard/control-plane/testing`. One launcher per kind of
 * process (the control plane's bin, redis-server), one child tracker (every child it starts
 * ends by itself when the process that started it dies, however it dies), one promise client
 * for the Admin and Registration APIs.
 */
export { AdminClient, Registrar } from "./admin-client.js";
export type { ExitStatus, JsonLine } from "./child.js";
export { Child, parseJsonLine } from "./child.js";
export type { NodeSpawnOptions, RunOptions, RunResult, SpawnOptions } from "./child-tracker.js";
export { ChildTracker, sharedTracker } from "./child-tracker.js";
export type {
  ControlPlaneLaunchOptions,
  ControlPlaneProcess,
  ControlPlaneRun,
} from "./control-plane-process.js";
export { CONTROL_PLANE_BIN, launchControlPlane, runControlPlane } from "./control-plane-process.js";
export type { InProcessControlPlane } from "./in-process.js";
export { startInProcessControlPlane } from "./in-process.js";
export type { RedisServerHandle, RedisServerOptions } from "./redis-server.js";
export { freePort, launchRedis, startRedisServer, uniqueKeyPrefix } from "./redis-server.js";
