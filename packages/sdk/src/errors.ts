import { status } from "@grpc/grpc-js";

/**
 * The one error type the SDK throws. `code` is a gRPC status code (`status.UNAVAILABLE`, ...),
 * so callers can branch on it exactly as on a grpc-js `ServiceError`.
 */
export class MeshError extends Error {
  override readonly name = "MeshError";
  readonly code: status;
  readonly details: string;

  constructor(code: status, details: string, options?: { cause?: unknown }) {
    super(`${status[code] ?? code}: ${details}`, options);
    this.code = code;
    this.details = details;
  }
}

/** True for errors thrown by the SDK. */
export function isMeshError(error: unknown): error is MeshError {
  return error instanceof MeshError;
}

/** An expected failure inside the SDK, carried as a value rather than thrown. */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
