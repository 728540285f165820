/** Echo service instances (one grpc-js server each), registered with the mesh as one service. */
import { createMeshServer, type MeshServer } from "@switchboard/sdk";
import { EchoServiceService, echoImplementation } from "../lib/echo.js";
import { silentLogger } from "../lib/silent.js";
import type { Role } from "./role.js";

export interface EchoServerSetup {
  readonly controlPlane: string;
  readonly service: string;
  /** One instance per entry: its added delay in ms (0: answers at once). */
  readonly delaysMs: readonly number[];
  readonly leaseTtlMs: number;
  /** Registered with every instance (route subsets select on it). Default: none. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface EchoServerInfo {
  readonly addresses: readonly string[];
  readonly pid: number;
}

async function startInstance(
  setup: EchoServerSetup,
  delayMs: number,
): Promise<{ server: MeshServer; address: string }> {
  let address = "";
  const server = createMeshServer({
    service: setup.service,
    controlPlane: setup.controlPlane,
    listen: "127.0.0.1:0",
    leaseTtlMs: setup.leaseTtlMs,
    handleSignals: false,
    drainPropagationTimeoutMs: 500,
    drainInFlightTimeoutMs: 1000,
    logger: silentLogger,
    ...(setup.metadata ? { metadata: setup.metadata } : {}),
  });
  server.addService(
    EchoServiceService,
    echoImplementation(() => address, delayMs),
  );
  address = (await server.start()).address;
  return { server, address };
}

export async function echoServerRole(raw: unknown): Promise<Role> {
  const setup = raw as EchoServerSetup;
  const instances = await Promise.all(setup.delaysMs.map((d) => startInstance(setup, d)));
  const info: EchoServerInfo = { addresses: instances.map((i) => i.address), pid: process.pid };
  return {
    info,
    commands: {},
    async close() {
      await Promise.all(instances.map((i) => i.server.drain().catch(() => undefined)));
    },
  };
}
