// The example services, the load generator and the Admin client the demo uses, for tests and
// for anyone embedding them.

export type { ReflectedClientOptions } from "./admin/reflected-client.js";
export { grpcurlCommand, ReflectedClient } from "./admin/reflected-client.js";
export { loadDescriptors } from "./admin/reflection.js";
export type { LatencySummary, TallySnapshot } from "./load-generator/call-tally.js";
export { CallTally, isBreakerRejection } from "./load-generator/call-tally.js";
export type {
  CallOutcome,
  CallResult,
  CallTarget,
  LoadGeneratorOptions,
} from "./load-generator/load-generator.js";
export { LoadGenerator } from "./load-generator/load-generator.js";
export { Pacer } from "./load-generator/pacer.js";
export { getUserTarget, placeOrderTarget } from "./load-generator/targets.js";
export type { OrderServiceOptions, RunningOrderService } from "./order-service/order-service.js";
export {
  lookupDeadline,
  orderServiceImplementation,
  startOrderService,
} from "./order-service/order-service.js";
export type { UserBehaviour } from "./user-service/behaviour.js";
export { applyCommand, jitteredDelayMs } from "./user-service/behaviour.js";
export type { RunningUserService, UserServiceOptions } from "./user-service/user-service.js";
export { startUserService, userServiceImplementation } from "./user-service/user-service.js";
export { findUser, listUsers, USER_COUNT } from "./user-service/users.js";
