/** Echo service instances (one grpc-js server each), registered with the mesh as one service. */
import { createMeshServer, type MeshServer } from "@switchboard/sdk";
import { wallMs } from "../lib/clock.js";
import { type EchoInstanceState, EchoServiceService, echoImplementation } from "../lib/echo.js";
import { ServedLog, type ServedSummary } from "../lib/served-log.js";
import { silentLogger } from "../lib/silent.js";
import type { Role } from "./role.js";

export interface EchoServerSetup {
  readonly controlPlane: string;
  readonly service: string;
  /** One instance per entry: its added delay in ms (0: answers at once). */
  readonly delaysMs: readonly number[];
  readonly leaseTtlMs: number;
}

export interface EchoServerInfo {
  readonly addresses: readonly string[];
  readonly pid: number;
}

async function startInstance(setup: EchoServerSetup, delayMs: number): Promise<Instance> {
  let address = "";
  const state: EchoInstanceState = { failing: false, log: new ServedLog() };
  const server = createMeshServer({
    service: setup.service,
    controlPlane: setup.controlPlane,
    listen: "127.0.0.1:0",
    leaseTtlMs: setup.leaseTtlMs,
    handleSignals: false,
    drainPropagationTimeoutMs: 500,
    drainInFlightTimeoutMs: 1000,
    logger: silentLogger,
  });
  server.addService(
    EchoServiceService,
    echoImplementation(() => address, delayMs, state),
  );
  address = (await server.start()).address;
  return { server, address, state };
}

interface Instance {
  readonly server: MeshServer;
  readonly address: string;
  readonly state: EchoInstanceState;
}

export async function echoServerRole(raw: unknown): Promise<Role> {
  const setup = raw as EchoServerSetup;
  const instances = await Promise.all(setup.delaysMs.map((d) => startInstance(setup, d)));
  const info: EchoServerInfo = { addresses: instances.map((i) => i.address), pid: process.pid };
  return {
    info,
    commands: {
      /** From now on, the instance at `address` refuses every call (its connections stay up). */
      async fail(a) {
        const { address } = a as { address: string };
        const instance = instances.find((i) => i.address === address);
        if (!instance) throw new Error(`no instance at ${address} in this process`);
        instance.state.failing = true;
        return { atMs: wallMs() };
      },
      /** Each instance's own account of the calls it received since `sinceMs` (wall ms). */
      async served(a): Promise<ServedSummary[]> {
        const { sinceMs } = a as { sinceMs: number };
        return instances.map((i) => i.state.log.summarySince(i.address, sinceMs));
      },
    },
    async close() {
      await Promise.all(instances.map((i) => i.server.drain().catch(() => undefined)));
    },
  };
}
