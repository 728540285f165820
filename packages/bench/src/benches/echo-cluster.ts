/** Echo instances for the data-path, failover and balancing benchmarks, each set in its own process. */

import { WorkerProcess } from "../lib/worker-process.js";
import type { EchoClientSetup } from "../workers/echo-client.js";
import type { EchoServerInfo, EchoServerSetup } from "../workers/echo-server.js";

export type EchoServerProcess = WorkerProcess<EchoServerInfo>;
export type EchoClientProcess = WorkerProcess<{ pid: number }>;

/** One process per entry of `processes`, each serving one instance per delay it lists. */
export function startEchoServers(
  controlPlane: string,
  service: string,
  processes: readonly (readonly number[])[],
  leaseTtlMs = 2000,
  metadata?: Readonly<Record<string, string>>,
): Promise<EchoServerProcess[]> {
  return Promise.all(
    processes.map((delaysMs) => {
      const setup: EchoServerSetup = {
        controlPlane,
        service,
        delaysMs,
        leaseTtlMs,
        ...(metadata ? { metadata } : {}),
      };
      return WorkerProcess.start<EchoServerInfo>("echo-server", setup);
    }),
  );
}

export function addressesOf(servers: readonly EchoServerProcess[]): string[] {
  return servers.flatMap((s) => s.info.addresses);
}

export function startEchoClient(
  setup: EchoClientSetup,
  nodeFlags: readonly string[] = [],
): Promise<EchoClientProcess> {
  return WorkerProcess.start<{ pid: number }>("echo-client", setup, { nodeFlags });
}
