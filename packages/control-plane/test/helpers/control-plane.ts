/** Starts real control planes on 127.0.0.1:0 and gives typed clients to them. */
import {
  type CallOptions,
  type ChannelCredentials,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { AdminClient } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { DiscoveryClient } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import {
  type RegisterRequest,
  RegistrationClient,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { pino } from "pino";
import type { ControlPlane, ControlPlaneOptions } from "../../src/index.js";
import { MemoryStore } from "../../src/store/index.js";
import { startInProcessControlPlane } from "../../src/testing/index.js";

export interface Running {
  readonly plane: ControlPlane;
  readonly address: string;
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly admin: AdminClient;
  readonly registration: RegistrationClient;
  readonly discovery: DiscoveryClient;
  readonly health: HealthClient;
  close(): Promise<void>;
}

export const silent = pino({ level: "silent" });

/** A started control plane (MemoryStore unless a store or Redis URL is given), with clients. */
export async function startPlane(
  options: ControlPlaneOptions = {},
  creds: ChannelCredentials = credentials.createInsecure(),
): Promise<Running> {
  const bound = await startInProcessControlPlane({
    ...(options.redisUrl ? {} : { store: options.store ?? new MemoryStore(), closeStore: true }),
    ...options,
  });
  const admin = new AdminClient(bound.address, creds);
  const registration = new RegistrationClient(bound.address, creds);
  const discovery = new DiscoveryClient(bound.address, creds);
  const health = new HealthClient(bound.address, creds);
  return {
    plane: bound.plane,
    address: bound.address,
    port: bound.port,
    metricsPort: bound.metricsPort,
    admin,
    registration,
    discovery,
    health,
    async close() {
      for (const c of [admin, registration, discovery, health]) c.close();
      await bound.stop();
    },
  };
}

/** The last overload of a generated unary method (TypeScript infers from it). */
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** Calls a unary method of a generated client as a promise. */
export function call<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata = new Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, {}, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** The error of a call expected to fail. */
export async function callError<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata = new Metadata(),
): Promise<ServiceError> {
  try {
    await call(method, request, metadata);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("the call succeeded; an error was expected");
}

export function bearer(token: string): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

export function registerRequest(overrides: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    service: "user-service",
    host: "10.0.0.1",
    port: 8080,
    zone: "zone-a",
    weight: 0,
    metadata: {},
    health: 0,
    ttlMs: 0,
    ...overrides,
  };
}
