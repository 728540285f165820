/**
 * Errors the stores throw. They are `MeshError`s carrying a gRPC status, so the services above
 * the store can pass them to their callers unchanged.
 */
import { status } from "@grpc/grpc-js";
import { MeshError } from "@switchboard/core";

/** The store cannot be reached right now; the caller may retry later. */
export function storeUnavailable(details: string, cause?: unknown): MeshError {
  return new MeshError(status.UNAVAILABLE, `store unavailable: ${details}`, { cause });
}

export function storeClosed(kind: "memory" | "redis"): MeshError {
  return new MeshError(status.UNAVAILABLE, `store unavailable: the ${kind} store is closed`);
}

/** The store answered, but not as expected (a script error, a malformed record). */
export function storeFailure(details: string, cause?: unknown): MeshError {
  return new MeshError(status.INTERNAL, `store failure: ${details}`, { cause });
}

/** A caller broke an argument rule of the Store contract. */
export function invalidStoreArgument(field: string, rule: string, value: unknown): MeshError {
  return new MeshError(status.INVALID_ARGUMENT, `${field} must be ${rule} (got ${String(value)})`);
}
