/** Test helpers for packages that need a real Redis: `@switchboard/control-plane/testing`. */
export type { RedisServerHandle, RedisServerOptions } from "./redis-server.js";
export { freePort, startRedisServer, uniqueKeyPrefix } from "./redis-server.js";
