import { Server, type ServerCredentials } from "@grpc/grpc-js";
import { HealthService } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { AdminService } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { RegistrationService } from "@switchboard/core/gen/switchboard/v1/registration.js";
import {
  controlPlaneDescriptors,
  ReflectionV1AlphaService,
  ReflectionV1Service,
  reflectionHandlers,
} from "./reflection/reflection-service.js";
import type { AdminDeps } from "./services/admin.js";
import { adminHandlers } from "./services/admin.js";
import { DiscoveryWireService, type WatchStreams } from "./services/discovery.js";
import { type HealthState, healthHandlers } from "./services/health.js";
import { type RegistrationDeps, registrationHandlers } from "./services/registration.js";
import type { RpcContext } from "./services/rpc.js";
import { tolerantDecoding } from "./services/tolerant-decoding.js";

export interface ServerParts {
  readonly ctx: RpcContext;
  readonly watchStreams: WatchStreams;
  readonly registration: RegistrationDeps;
  readonly admin: AdminDeps;
  readonly health: HealthState;
  readonly maxMessageBytes: number;
  /** Adds more services (the xDS ones). */
  readonly addMore?: (server: Server) => void;
}

/** A grpc-js server with every service of the control plane added. */
export function buildServer(parts: ServerParts): Server {
  const server = new Server({
    "grpc.max_receive_message_length": parts.maxMessageBytes,
    // Finds dead peers of long-lived streams (a client that vanished without closing).
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  });
  server.addService(tolerantDecoding(DiscoveryWireService), { watch: parts.watchStreams.handler });
  server.addService(
    tolerantDecoding(RegistrationService),
    registrationHandlers(parts.ctx, parts.registration),
  );
  server.addService(tolerantDecoding(AdminService), adminHandlers(parts.ctx, parts.admin));
  server.addService(HealthService, healthHandlers(parts.ctx, parts.health));
  parts.addMore?.(server);
  const reflection = reflectionHandlers(controlPlaneDescriptors());
  server.addService(ReflectionV1Service, reflection);
  server.addService(ReflectionV1AlphaService, reflection);
  return server;
}

/** Binds; resolves with the bound port. */
export function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
  });
}

/** Lets calls finish for up to `graceMs`, then cancels whatever is left. */
export async function shutdown(server: Server, graceMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
