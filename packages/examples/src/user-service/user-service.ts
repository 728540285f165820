import { type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from "@grpc/grpc-js";
import { createMeshServer, type MeshServer } from "@switchboard/sdk";
import type { Logger } from "pino";
import {
  type GetUserRequest,
  type GetUserResponse,
  type ListUsersRequest,
  type ListUsersResponse,
  type UserServiceServer,
  UserServiceService,
} from "../gen/demo/user/v1/user.js";
import { jitteredDelayMs, type UserBehaviour } from "./behaviour.js";
import { findUser, listUsers } from "./users.js";

/** ListUsers sends at most this many users per call. */
export const LIST_USERS_MAX = 100;
/** ListUsers without a limit sends this many. */
export const LIST_USERS_DEFAULT = 10;

interface Context {
  readonly name: string;
  readonly servedBy: () => string;
  readonly behaviour: UserBehaviour;
  readonly random: () => number;
}

/** Waits the injected latency (unless the call is cancelled first), then says whether to fail. */
function afterInjectedDelay(
  ctx: Context,
  call: { on(event: "cancelled", f: () => void): unknown },
  then: (fail: boolean) => void,
): void {
  const delay = jitteredDelayMs(ctx.behaviour.latencyMs, ctx.random);
  const answer = () => then(ctx.random() < ctx.behaviour.failureRate);
  if (delay <= 0) {
    answer();
    return;
  }
  const timer = setTimeout(answer, delay);
  call.on("cancelled", () => clearTimeout(timer));
}

function injectedFailure(ctx: Context) {
  return {
    code: status.UNAVAILABLE,
    details: `injected failure from ${ctx.name} (failure-rate ${ctx.behaviour.failureRate})`,
  };
}

/** demo.user.v1.UserService over the example data set, with the injected latency and failures. */
export function userServiceImplementation(ctx: Context): UserServiceServer {
  return {
    getUser(
      call: ServerUnaryCall<GetUserRequest, GetUserResponse>,
      callback: sendUnaryData<GetUserResponse>,
    ) {
      afterInjectedDelay(ctx, call, (fail) => {
        if (fail) return callback(injectedFailure(ctx));
        const user = findUser(call.request.id);
        if (!user)
          return callback({ code: status.NOT_FOUND, details: `no user with id "${call.request.id}"` });
        callback(null, { user, servedBy: ctx.servedBy() });
      });
    },
    listUsers(call: ServerWritableStream<ListUsersRequest, ListUsersResponse>) {
      afterInjectedDelay(ctx, call, (fail) => {
        if (fail) return void call.emit("error", injectedFailure(ctx));
        const limit =
          call.request.limit === 0 ? LIST_USERS_DEFAULT : Math.min(call.request.limit, LIST_USERS_MAX);
        for (const user of listUsers(limit)) call.write({ user });
        call.end();
      });
    },
  };
}

export interface UserServiceOptions {
  /** Mesh service name. Default "user-service". */
  readonly service?: string;
  /** Instance name, in logs, errors and the endpoint's metadata ("name"). */
  readonly name: string;
  readonly controlPlane: string;
  /** Host to listen on and advertise. Default "127.0.0.1". */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly zone?: string;
  /** Registered as the endpoint's `version` metadata (route tables select subsets on it); none when unset. */
  readonly version?: string;
  /** Lease TTL to ask for, ms; 0: the control plane's default. */
  readonly leaseTtlMs?: number;
  readonly behaviour: UserBehaviour;
  readonly logger: Logger;
  readonly random?: () => number;
}

export interface RunningUserService {
  readonly server: MeshServer;
  /** "host:port" as registered with the mesh (and returned as served_by). */
  readonly address: string;
  readonly behaviour: UserBehaviour;
}

/** Starts one user-service instance: serves, registers with the control plane, keeps its lease. */
export async function startUserService(o: UserServiceOptions): Promise<RunningUserService> {
  const host = o.host ?? "127.0.0.1";
  let address = "";
  const server = createMeshServer({
    service: o.service ?? "user-service",
    controlPlane: o.controlPlane,
    listen: `${host}:${o.port ?? 0}`,
    zone: o.zone ?? "",
    metadata: { name: o.name, ...(o.version ? { version: o.version } : {}) },
    leaseTtlMs: o.leaseTtlMs ?? 0,
    handleSignals: false,
    logger: o.logger,
  });
  const ctx: Context = {
    name: o.name,
    servedBy: () => address,
    behaviour: o.behaviour,
    random: o.random ?? Math.random,
  };
  server.addService(UserServiceService, userServiceImplementation(ctx));
  address = (await server.start()).address;
  return { server, address, behaviour: o.behaviour };
}
