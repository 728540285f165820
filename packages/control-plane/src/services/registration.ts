import { type Metadata, status } from "@grpc/grpc-js";
import type { Clock } from "@switchboard/core";
import type {
  AwaitPropagationRequest,
  AwaitPropagationResponse,
  DeregisterRequest,
  DeregisterResponse,
  RegisterRequest,
  RegisterResponse,
  RegistrationServer,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import type { Logger } from "pino";
import { ControlPlaneError } from "../errors.js";
import type { Store } from "../store/types.js";
import { checkLeaseId, expect, requestOptions } from "../validation.js";
import { awaitPropagation, type PropagationSource } from "./await-propagation.js";
import type { KeepAliveStreams } from "./keep-alive.js";
import { type LeaseLimits, toRegisterInput } from "./register-request.js";
import { type RpcContext, unary } from "./rpc.js";

export interface RegistrationDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly limits: LeaseLimits;
  readonly propagation: PropagationSource;
  readonly keepAlives: KeepAliveStreams;
  readonly logger: Logger;
}

/** switchboard.v1.Registration: instances join (Register), stay (KeepAlive) and leave. */
export function registrationHandlers(ctx: RpcContext, deps: RegistrationDeps): RegistrationServer {
  const log = deps.logger.child({ component: "registration" });
  const now = () => Math.floor(deps.clock.now());

  const register = async (
    req: RegisterRequest,
    call: { readonly metadata: Metadata },
  ): Promise<RegisterResponse> => {
    const takeover = ctx.auth.grants("admin", call.metadata);
    const input = { ...toRegisterInput(req, deps.limits), takeover };
    const result = await deps.store.register(input, now());
    if (result.status === "limit_exceeded") {
      throw new ControlPlaneError(
        status.RESOURCE_EXHAUSTED,
        `service "${input.service}" already has ${result.limit} endpoints, the limit per service; deregister some or raise --max-endpoints-per-service`,
      );
    }
    if (result.status === "address_taken") {
      throw new ControlPlaneError(
        status.ALREADY_EXISTS,
        `endpoint ${result.endpointId} of service "${input.service}" is held by a live lease (it runs out in ${result.remainingMs} ms unless renewed); to replace it, set replaces_lease_id to that lease (the same instance registering again), deregister it first, wait for it to expire, or register with the admin token`,
      );
    }
    const e = result.endpoint;
    log.info(
      { service: e.service, endpoint: e.id, ttlMs: e.ttlMs, version: result.version },
      "endpoint registered",
    );
    return {
      leaseId: result.leaseId,
      endpointId: e.id,
      ttlMs: e.ttlMs,
      version: result.version,
      epoch: result.epoch,
    };
  };

  const deregister = async (req: DeregisterRequest): Promise<DeregisterResponse> => {
    const leaseId = expect(checkLeaseId(req.leaseId));
    const result = await deps.store.deregister(leaseId, requestOptions(req));
    if (result.status === "not_found") return { found: false, version: 0 };
    log.info(
      { service: result.service, endpoint: result.endpointId, version: result.version },
      "endpoint deregistered",
    );
    return { found: true, version: result.version };
  };

  const propagate = (
    req: AwaitPropagationRequest,
    call: { once(event: "cancelled", listener: () => void): unknown },
  ): Promise<AwaitPropagationResponse> => {
    const abort = new AbortController();
    call.once("cancelled", () => abort.abort());
    return awaitPropagation(req, deps.propagation, abort.signal);
  };

  return {
    register: unary(ctx, "Registration/Register", "registration", register),
    keepAlive: deps.keepAlives.handler,
    deregister: unary(ctx, "Registration/Deregister", "registration", deregister),
    awaitPropagation: unary(ctx, "Registration/AwaitPropagation", "registration", propagate),
  };
}
