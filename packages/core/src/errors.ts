import { status } from "@grpc/grpc-js";

/**
 * The one error family of Switchboard. `code` is a gRPC status code (`status.UNAVAILABLE`, ...),
 * so callers can branch on it exactly as on a grpc-js `ServiceError`; `details` says what was
 * wrong and what to do; `cause` keeps the error underneath, when there is one. The SDK throws
 * it as is; the control plane's errors are subclasses of it.
 */
export class MeshError extends Error {
  override readonly name: string = "MeshError";
  readonly code: status;
  readonly details: string;

  constructor(code: status, details: string, options?: { cause?: unknown }) {
    super(`${status[code] ?? code}: ${details}`, options);
    this.code = code;
    this.details = details;
  }
}

/** True for every error of the family (a `MeshError` or one of its subclasses). */
export function isMeshError(error: unknown): error is MeshError {
  return error instanceof MeshError;
}
