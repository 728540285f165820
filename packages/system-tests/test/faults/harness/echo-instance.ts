// A mesh echo instance in its own process, for the fault suite.
// Usage: node --conditions=source --import tsx echo-instance.ts '<json InstanceConfig>'
// Prints `{"ready":true,"address":"host:port","pid":N}` once serving, then its own JSON log lines
// (registrations, lost leases, ...) on stdout. SIGTERM drains and exits 0.
import type { ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import { createMeshServer } from "@switchboard/sdk";
import pino from "pino";
import { type EchoRequest, type EchoResponse, EchoServiceService } from "../../gen/echo/v1/echo.js";

export interface InstanceConfig {
  /** Control-plane replicas, comma-separated. */
  readonly controlPlane: string;
  readonly service: string;
  readonly leaseTtlMs: number;
  readonly zone?: string;
  /** Added to every call, ms. */
  readonly delayMs?: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as InstanceConfig;
let address = "";
const server = createMeshServer({
  service: config.service,
  controlPlane: config.controlPlane,
  zone: config.zone ?? "",
  listen: "127.0.0.1:0",
  leaseTtlMs: config.leaseTtlMs,
  drainPropagationTimeoutMs: 3000,
  drainInFlightTimeoutMs: 5000,
  logger: pino({ level: "info", base: { pid: process.pid } }, pino.destination(1)),
});
server.addService(EchoServiceService, {
  echo(call: ServerUnaryCall<EchoRequest, EchoResponse>, callback: sendUnaryData<EchoResponse>) {
    const req = call.request;
    const answer = () => callback(null, { message: req.message, payload: req.payload, servedBy: address });
    const delay = (config.delayMs ?? 0) + req.delayMs;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  },
});
server.start().then(
  (a) => {
    address = a.address;
    process.stdout.write(
      `${JSON.stringify({ ready: true, address, pid: process.pid, registered: a.registered })}\n`,
    );
  },
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
