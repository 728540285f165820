// A mesh echo instance in its own process, for tests that kill, freeze or restart instances.
// Usage: node --conditions=source --import tsx echo-process.ts <control-plane> [service] [zone] [delayMs]
// Prints one line `{"address":"host:port","pid":N}` once serving; SIGTERM drains, then exits 0.

import { createMeshServer } from "@switchboard/sdk";
import pino from "pino";
import { EchoServiceService, echoImplementation } from "./echo-service.js";

const [controlPlane = "127.0.0.1:7400", service = "echo", zone = "", delayMs = "0", leaseTtlMs = "1000"] =
  process.argv.slice(2);
let address = "";
const server = createMeshServer({
  service,
  controlPlane,
  zone,
  listen: "127.0.0.1:0",
  leaseTtlMs: Number(leaseTtlMs),
  drainPropagationTimeoutMs: 3000,
  logger: pino({ level: process.env.SWITCHBOARD_LOG_LEVEL ?? "silent" }),
});
server.addService(
  EchoServiceService,
  echoImplementation(() => address, { delayMs: Number(delayMs), failWithCode: 0, failureRate: 0 }),
);
server.start().then(
  (a) => {
    address = a.address;
    process.stdout.write(`${JSON.stringify({ address, pid: process.pid })}\n`);
  },
  (e) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
