import { status } from "@grpc/grpc-js";
import { isMeshError } from "@switchboard/core";
import type { Logger } from "pino";
import { ControlPlaneError, isControlPlaneError, storeUnavailable } from "./errors.js";
import type { ControlPlaneMetrics } from "./metrics.js";
import { GUARDED_OPERATIONS } from "./store/script-table.js";
import type { Store } from "./store/types.js";

/**
 * The store as the rest of the control plane sees it: a failed operation is counted
 * (switchboard_store_errors_total), logged at most every few seconds per operation, and
 * rethrown as UNAVAILABLE so RPCs answer with a status a client can retry on.
 */
export function guardStore(store: Store, metrics: ControlPlaneMetrics, logger: Logger): Store {
  const log = logger.child({ component: "store" });
  const lastLogged = new Map<string, number>();
  const fail = (operation: string, error: unknown): never => {
    metrics.storeErrors.inc({ operation });
    const now = Date.now();
    if (now - (lastLogged.get(operation) ?? 0) > 5000) {
      lastLogged.set(operation, now);
      log.warn({ operation, err: error }, "store operation failed");
    }
    throw toControlPlaneError(operation, error);
  };
  const guarded: Record<string, unknown> = {};
  for (const name of GUARDED_OPERATIONS) {
    const fn = store[name] as (...args: unknown[]) => Promise<unknown>;
    guarded[name] = (...args: unknown[]) =>
      new Promise((resolve) => resolve(fn.apply(store, args))).catch((e: unknown) => fail(name, e));
  }
  return {
    ...(guarded as Pick<Store, (typeof GUARDED_OPERATIONS)[number]>),
    kind: store.kind,
    subscribe: (listener) => store.subscribe(listener),
    onResync: (listener) => store.onResync(listener),
    ready: () => store.ready(),
    onAvailabilityChange: (listener) => store.onAvailabilityChange(listener),
    close: () => store.close(),
  };
}

/** Keeps the status a store error carries (UNAVAILABLE, INTERNAL, ...); anything else is
 * taken as the store being unreachable. The store's error stays the `cause`. */
function toControlPlaneError(operation: string, error: unknown): ControlPlaneError {
  if (isControlPlaneError(error)) return error;
  if (isMeshError(error) && error.code !== status.UNAVAILABLE) {
    return new ControlPlaneError(error.code, `${operation}: ${error.details}`, { cause: error });
  }
  return storeUnavailable(operation, error);
}
