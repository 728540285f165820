/**
 * The dashboard's way into the Admin API: the very handlers the gRPC service runs (validation,
 * store calls, logging, metrics), called in process. The dashboard checks who may call them
 * itself (sessions), so the handlers it holds need no bearer token.
 */
import {
  type handleUnaryCall,
  Metadata,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type { AdminServer, AdminService } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { Authenticator } from "../auth.js";
import type { ControlPlaneMetrics } from "../metrics.js";
import { type AdminDeps, adminHandlers } from "../services/admin.js";

/** A failed Admin call: its gRPC status and details. */
export class AdminCallError extends Error {
  override readonly name = "AdminCallError";
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
  }
}

type UnaryHandler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

/** Runs one Admin handler on `request`; rejects with AdminCallError on a non-OK status. */
function invoke(handler: UnaryHandler, request: unknown): Promise<unknown> {
  const call = { request, metadata: new Metadata(), getPeer: () => "dashboard", cancelled: false };
  return new Promise((resolve, reject) => {
    handler(call as unknown as ServerUnaryCall<unknown, unknown>, (error, response) => {
      if (error)
        reject(new AdminCallError(error.code ?? status.UNKNOWN, error.details ?? "admin call failed"));
      else resolve(response);
    });
  });
}

type AdminMethod = keyof typeof AdminService;

/** Each Admin method as a promise. */
export type AdminCalls = {
  readonly [M in AdminMethod]: AdminServer[M] extends handleUnaryCall<infer Req, infer Res>
    ? (request: Req) => Promise<Res>
    : never;
};

export function adminCalls(deps: AdminDeps, metrics: ControlPlaneMetrics): AdminCalls {
  const ctx = { auth: new Authenticator({}), metrics, logger: deps.logger };
  const handlers = adminHandlers(ctx, deps);
  const calls: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    calls[name] = (request: unknown) => invoke(handler as UnaryHandler, request);
  }
  return calls as AdminCalls;
}

const HTTP_OF_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.FAILED_PRECONDITION]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
};

/** The HTTP status of a gRPC status, for the /api/ answers. */
export function httpStatusOf(code: status): number {
  return HTTP_OF_STATUS[code] ?? 500;
}
