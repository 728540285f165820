/**
 * The edge of every RPC: auth, status mapping, metrics and logging, in one place, so handlers
 * only do their work and throw ControlPlaneError for expected failures.
 */
import { performance } from "node:perf_hooks";
import {
  type handleUnaryCall,
  type Metadata,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Authenticator, AuthScope } from "../auth.js";
import { isControlPlaneError } from "../errors.js";
import type { ControlPlaneMetrics } from "../metrics.js";
import { decoded } from "./tolerant-decoding.js";

export interface RpcContext {
  readonly auth: Authenticator;
  readonly metrics: ControlPlaneMetrics;
  readonly logger: Logger;
}

export interface RpcStatus {
  readonly code: status;
  readonly details: string;
}

/** The status a caller gets for an error; unexpected errors are logged and become INTERNAL. */
export function toStatus(error: unknown, log: Logger, method: string): RpcStatus {
  if (isControlPlaneError(error)) return { code: error.code, details: error.details };
  log.error({ err: error, method }, "unexpected error in RPC handler");
  return { code: status.INTERNAL, details: "internal error in the control plane; see its logs" };
}

export function serviceError(s: RpcStatus): Partial<ServiceError> {
  return { code: s.code, details: s.details, message: s.details };
}

/** Records one finished call. */
export function observe(ctx: RpcContext, method: string, code: status, startedMs: number): void {
  ctx.metrics.rpcRequests.inc({ method, code: status[code] ?? String(code) });
  ctx.metrics.rpcDuration.observe({ method }, (performance.now() - startedMs) / 1000);
}

export function authorize(ctx: RpcContext, scope: AuthScope | undefined, metadata: Metadata): void {
  if (scope) ctx.auth.check(scope, metadata);
}

/** Wraps an async unary handler. `method` is "Service/Method" (metric label and log field). */
export function unary<Req, Res>(
  ctx: RpcContext,
  method: string,
  scope: AuthScope | undefined,
  handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  const log = ctx.logger.child({ component: "rpc" });
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const started = performance.now();
    const run = async (): Promise<Res> => {
      authorize(ctx, scope, call.metadata);
      return handler(decoded(call.request), call);
    };
    run().then(
      (response) => {
        observe(ctx, method, status.OK, started);
        callback(null, response);
      },
      (error: unknown) => {
        const s = toStatus(error, log, method);
        observe(ctx, method, s.code, started);
        if (s.code !== status.INTERNAL)
          log.debug({ method, code: status[s.code], details: s.details }, "rpc failed");
        callback(serviceError(s), null);
      },
    );
  };
}
