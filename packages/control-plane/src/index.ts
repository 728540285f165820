export type { AuthScope, AuthTokens } from "./auth.js";
export { Authenticator } from "./auth.js";
export type { CommandLine } from "./cli.js";
export { helpText, parseCommandLine } from "./cli.js";
export type { ControlPlaneOptions, LogLevel, ResolvedControlPlaneOptions } from "./config.js";
export { resolveControlPlaneOptions } from "./config.js";
export type { ControlPlane, ControlPlaneAddress, ControlPlaneStats } from "./control-plane.js";
export { createControlPlane } from "./control-plane.js";
export { ConfigError, ControlPlaneError, isConfigError, isControlPlaneError } from "./errors.js";
export type { DiscoveryHubOptions } from "./hub/hub.js";
export { DiscoveryHub } from "./hub/hub.js";
export type { SessionInfo, WatchSink } from "./hub/types.js";
export type { SessionStats } from "./hub/watch-session.js";
export type { LeaseReaperOptions, Timers } from "./lease-reaper.js";
export { LeaseReaper } from "./lease-reaper.js";
export { createLogger } from "./logger.js";
export { ControlPlaneMetrics } from "./metrics.js";
export { DescriptorIndex } from "./reflection/descriptor-index.js";
export type {
  Change,
  ChangeNotice,
  EndpointRecord,
  Health,
  MemoryStoreOptions,
  RedisStoreOptions,
  RemovalReason,
  ServiceState,
  ServiceSummary,
  Store,
  StoreOptions,
  SubscriberInfo,
  SubscriberTable,
  SubscriptionInfo,
} from "./store/index.js";
export { createStore, effectiveHealth, MemoryStore, RedisStore } from "./store/index.js";
