export type { Clock } from "./clock.js";
export { FakeClock, systemClock } from "./clock.js";
export type { Result } from "./errors.js";
export { isMeshError, MeshError } from "./errors.js";
export * from "./policy/index.js";
