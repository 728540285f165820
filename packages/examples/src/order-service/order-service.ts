import { randomUUID } from "node:crypto";
import { credentials, Metadata, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import { createMeshClient, createMeshServer, type MeshClient, type MeshServer } from "@switchboard/sdk";
import type { Logger } from "pino";
import {
  type OrderServiceServer,
  OrderServiceService,
  type PlaceOrderRequest,
  type PlaceOrderResponse,
} from "../gen/demo/order/v1/order.js";
import { UserServiceClient } from "../gen/demo/user/v1/user.js";
import { type StatsServer, startStatsServer } from "./stats-server.js";

/** The earlier of the caller's deadline (if any) and now + `ms`: a deadline is never extended. */
export function lookupDeadline(incoming: Date | number, ms: number, now = Date.now()): number {
  const own = now + ms;
  const theirs = incoming instanceof Date ? incoming.getTime() : incoming;
  return Number.isFinite(theirs) ? Math.min(theirs, own) : own;
}

/** demo.order.v1.OrderService: looks the user up through the mesh, then "places" the order. */
export function orderServiceImplementation(
  users: UserServiceClient,
  lookupDeadlineMs: number,
): OrderServiceServer {
  return {
    placeOrder(
      call: ServerUnaryCall<PlaceOrderRequest, PlaceOrderResponse>,
      callback: sendUnaryData<PlaceOrderResponse>,
    ) {
      const { userId, quantity } = call.request;
      if (!userId) return callback({ code: status.INVALID_ARGUMENT, details: "user_id is required" });
      if (quantity < 1)
        return callback({ code: status.INVALID_ARGUMENT, details: "quantity must be at least 1" });
      const deadline = lookupDeadline(call.getDeadline(), lookupDeadlineMs);
      users.getUser({ id: userId }, new Metadata(), { deadline, parent: call }, (error, reply) => {
        if (error) return callback({ code: error.code, details: `user lookup failed: ${error.details}` });
        callback(null, {
          orderId: randomUUID(),
          userName: reply.user?.name ?? "",
          userServedBy: reply.servedBy,
        });
      });
    },
  };
}

export interface OrderServiceOptions {
  /** Mesh service name of this service. Default "order-service". */
  readonly service?: string;
  readonly controlPlane: string;
  /** Mesh service name of the user service it calls. Default "user-service". */
  readonly userService?: string;
  /** Host to listen on and advertise (gRPC and the stats endpoint). Default "127.0.0.1". */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly zone?: string;
  readonly leaseTtlMs?: number;
  /** Deadline of each user lookup, ms (a caller's earlier deadline wins). Default 1000. */
  readonly lookupDeadlineMs?: number;
  /** Port of the HTTP `GET /stats` endpoint (the mesh client's `stats()`); undefined: none. */
  readonly statsPort?: number;
  readonly logger: Logger;
}

export interface RunningOrderService {
  readonly server: MeshServer;
  readonly mesh: MeshClient;
  readonly address: string;
  readonly statsUrl: string | undefined;
  /** Drains the server, then closes the user-service channel, the mesh client and the stats endpoint. */
  stop(): Promise<void>;
}

export async function startOrderService(o: OrderServiceOptions): Promise<RunningOrderService> {
  const host = o.host ?? "127.0.0.1";
  const userService = o.userService ?? "user-service";
  const mesh = createMeshClient({ controlPlane: o.controlPlane, zone: o.zone ?? "", logger: o.logger });
  // The one line that differs from plain grpc-js: a mesh:/// target instead of "host:port".
  const users = new UserServiceClient(`mesh:///${userService}`, credentials.createInsecure());
  const server = createMeshServer({
    service: o.service ?? "order-service",
    controlPlane: o.controlPlane,
    listen: `${host}:${o.port ?? 0}`,
    zone: o.zone ?? "",
    leaseTtlMs: o.leaseTtlMs ?? 0,
    handleSignals: false,
    logger: o.logger,
  });
  server.addService(OrderServiceService, orderServiceImplementation(users, o.lookupDeadlineMs ?? 1000));
  let stats: StatsServer | undefined;
  try {
    await mesh.waitForService(userService);
    stats =
      o.statsPort === undefined ? undefined : await startStatsServer(host, o.statsPort, () => mesh.stats());
    const { address } = await server.start();
    const stop = async () => {
      await server.drain();
      users.close();
      await mesh.close();
      await stats?.close();
    };
    return { server, mesh, address, statsUrl: stats?.url, stop };
  } catch (error) {
    users.close();
    await mesh.close();
    await stats?.close();
    throw error;
  }
}
