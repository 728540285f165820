import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { OrderServiceClient } from "../gen/demo/order/v1/order.js";
import type { UserServiceClient } from "../gen/demo/user/v1/user.js";
import { USER_COUNT } from "../user-service/users.js";
import type { CallOutcome, CallTarget } from "./load-generator.js";

const ITEMS = ["keyboard", "monitor", "cable", "lamp", "chair", "notebook"];

function pickUserId(random: () => number): string {
  return String(1 + Math.floor(random() * USER_COUNT));
}

function outcomeOf(error: ServiceError | null, servedBy: string | undefined): CallOutcome {
  if (error) return { code: error.code, details: error.details, servedBy: "" };
  return { code: 0, details: "", servedBy: servedBy ?? "" };
}

/** The header marking a call for the canary: route tables send it to v2. */
export const CANARY_HEADER = "x-canary";

/**
 * OrderService.PlaceOrder for a random user and item; served_by is the user-service instance
 * that answered. A `canaryShare` (0..1) of the calls carry `x-canary: 1`.
 */
export function placeOrderTarget(
  client: OrderServiceClient,
  random: () => number = Math.random,
  canaryShare = 0,
): CallTarget {
  return (deadline) =>
    new Promise((resolve) => {
      const item = ITEMS[Math.floor(random() * ITEMS.length)] as string;
      const request = { userId: pickUserId(random), item, quantity: 1 + Math.floor(random() * 3) };
      const metadata = new Metadata();
      const canary = canaryShare > 0 && random() < canaryShare;
      if (canary) metadata.set(CANARY_HEADER, "1");
      client.placeOrder(request, metadata, { deadline }, (error, reply) =>
        resolve({ ...outcomeOf(error, reply?.userServedBy), canary }),
      );
    });
}

/** UserService.GetUser for a random user, straight to the user service. */
export function getUserTarget(client: UserServiceClient, random: () => number = Math.random): CallTarget {
  return (deadline) =>
    new Promise((resolve) => {
      client.getUser({ id: pickUserId(random) }, new Metadata(), { deadline }, (error, reply) =>
        resolve(outcomeOf(error, reply?.servedBy)),
      );
    });
}
