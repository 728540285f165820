// A mesh echo instance in a process of its own, for tests that kill, freeze or restart instances.
// Usage: node echo-instance.js '<json EchoInstanceConfig>' (launchEchoInstance starts it).
// Prints `{"ready":true,"address":"host:port","pid":N,"registered":bool}` once serving, then its
// own JSON log lines (registrations, lost leases, ...). SIGTERM drains and exits 0.
import { createMeshServer } from "@switchboard/sdk";
import pino from "pino";
import { EchoServiceService, echoImplementation } from "./echo-service.js";

export interface EchoInstanceConfig {
  /** Control-plane replicas, comma-separated. */
  readonly controlPlane: string;
  readonly service: string;
  readonly leaseTtlMs: number;
  readonly zone: string;
  /** Added to every call, ms. */
  readonly delayMs: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as EchoInstanceConfig;
let address = "";
const server = createMeshServer({
  service: config.service,
  controlPlane: config.controlPlane,
  zone: config.zone,
  listen: "127.0.0.1:0",
  leaseTtlMs: config.leaseTtlMs,
  drainPropagationTimeoutMs: 3000,
  drainInFlightTimeoutMs: 5000,
  logger: pino({ level: "info", base: { pid: process.pid } }, pino.destination(1)),
});
server.addService(
  EchoServiceService,
  echoImplementation(() => address, { delayMs: config.delayMs, failWithCode: 0, failureRate: 0 }),
);
server.start().then(
  (started) => {
    address = started.address;
    const ready = { ready: true, address, pid: process.pid, registered: started.registered };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
