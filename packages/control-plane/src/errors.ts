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
 * A bad configuration value (INVALID_ARGUMENT). `field` names where the value came from as the
 * user wrote it (an option, a flag, an environment variable or "--flag (VARIABLE)"), `reason`
 * says what is wrong, and `option` is the `ControlPlaneOptions` key it sets, when there is one.
 * Its message is "<field>: <reason>".
 */
export class ConfigError extends MeshError {
  override readonly name: string = "ConfigError";
  readonly field: string;
  readonly reason: string;
  readonly option: string | undefined;

  constructor(field: string, reason: string, options?: { readonly option?: string | undefined }) {
    super(status.INVALID_ARGUMENT, `${field}: ${reason}`);
    this.message = this.details;
    this.field = field;
    this.reason = reason;
    this.option = options?.option;
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
