export type { StoreOptions } from "./create-store.js";
export { createStore } from "./create-store.js";
export { storeUnavailable } from "./errors.js";
export { MemoryStore } from "./memory-store.js";
export { RedisStore } from "./redis-store.js";
export type {
  MemoryStoreOptions,
  RedisStoreOptions,
  ResolvedMemoryStoreOptions,
  ResolvedRedisStoreOptions,
  StoreLogger,
} from "./store-options.js";
export { resolveMemoryStoreOptions, resolveRedisStoreOptions } from "./store-options.js";
export type {
  Change,
  ChangeNotice,
  EndpointRecord,
  ExpiredLease,
  Health,
  MutationResult,
  RegisterInput,
  RegisterResult,
  RemovalReason,
  RenewResult,
  ServiceState,
  ServiceSummary,
  Store,
  SubscriberInfo,
  SubscriberTable,
  SubscriptionInfo,
} from "./types.js";
export { effectiveHealth, subscriberTableJson } from "./types.js";
