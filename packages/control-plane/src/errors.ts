import { status } from "@grpc/grpc-js";
import { isMeshError, MeshError } from "@switchboard/core";

/**
 * The control plane's errors: `MeshError`s (the one error family of Switchboard). `code` is the
 * gRPC status the caller gets; `details` says what was wrong and what to do about it.
 */
export class ControlPlaneError extends MeshError {
  override readonly name: string = "ControlPlaneError";
}

/** True for errors raised by the control plane itself (as opposed to bugs or library errors). */
export function isControlPlaneError(error: unknown): error is ControlPlaneError {
  return error instanceof ControlPlaneError;
}

/**
 * A bad configuration value (INVALID_ARGUMENT); `field` names the option (or the flag /
 * environment variable). Its message is "<field>: <what is wrong>".
 */
export class ConfigError extends MeshError {
  override readonly name: string = "ConfigError";
  readonly field: string;

  constructor(field: string, message: string) {
    super(status.INVALID_ARGUMENT, `${field}: ${message}`);
    this.message = this.details;
    this.field = field;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/** INVALID_ARGUMENT naming the request field, in the form "<field>: <message>". */
export function invalidArgument(field: string, message: string): ControlPlaneError {
  return new ControlPlaneError(status.INVALID_ARGUMENT, `${field}: ${message}`);
}

/** The store could not be reached or failed; the caller may retry (possibly on another replica). */
export function storeUnavailable(operation: string, cause: unknown): ControlPlaneError {
  const reason = isMeshError(cause) ? cause.details : cause instanceof Error ? cause.message : String(cause);
  return new ControlPlaneError(
    status.UNAVAILABLE,
    `registry store unavailable during ${operation} (${reason}); retry with backoff`,
    { cause },
  );
}
