#!/usr/bin/env node
/**
 * order-service: demo.order.v1.OrderService in the mesh. It calls the user service through the
 * mesh with a stock generated client, and serves its mesh client's stats() over HTTP.
 * Prints `{"event":"ready","address":…,"statsUrl":…}` once serving; SIGTERM drains, then exits 0.
 */
import { handleShutdown, printReady, runEntry } from "../common/entry.js";
import { booleanFlag, numberFlag, parseFlags, stringFlag } from "../common/flags.js";
import { stderrLogger } from "../common/logger.js";
import { startOrderService } from "./order-service.js";

const USAGE = `Usage: node packages/examples/dist/order-service/main.js [flags]

  --port <n>                 gRPC port (default 0: any free port)
  --host <host>              host to listen on and advertise (default 127.0.0.1)
  --zone <zone>              this instance's zone (default $SWITCHBOARD_ZONE, else none)
  --control-plane <a>        control plane "host:port" (default $SWITCHBOARD_CONTROL_PLANE, else 127.0.0.1:7400)
  --name <name>              instance name, shown in logs (default order-<pid>)
  --service <name>           mesh service name (default order-service)
  --user-service <name>      mesh service name of the user service (default user-service)
  --lookup-deadline-ms <ms>  deadline of each user lookup (default 1000)
  --stats-port <n|off>       HTTP port of GET /stats, the mesh client's stats() (default 0: any free port)
  --lease-ttl-ms <ms>        lease TTL to ask for (default: the control plane's)
  --stdin-control            drain and exit when stdin closes`;

const STRINGS = [
  "port",
  "host",
  "zone",
  "control-plane",
  "name",
  "service",
  "user-service",
  "lookup-deadline-ms",
  "stats-port",
  "lease-ttl-ms",
];

runEntry(USAGE, async (argv) => {
  const flags = parseFlags(argv, STRINGS, ["stdin-control"]);
  const name = stringFlag(flags, "name", `order-${process.pid}`);
  const logger = stderrLogger(name);
  const statsOff = flags["stats-port"] === "off";
  const running = await startOrderService({
    service: stringFlag(flags, "service", "order-service"),
    userService: stringFlag(flags, "user-service", "user-service"),
    controlPlane: stringFlag(
      flags,
      "control-plane",
      process.env.SWITCHBOARD_CONTROL_PLANE || "127.0.0.1:7400",
    ),
    host: stringFlag(flags, "host", "127.0.0.1"),
    port: numberFlag(flags, "port", 0, { min: 0, max: 65535, integer: true }),
    zone: stringFlag(flags, "zone", process.env.SWITCHBOARD_ZONE ?? ""),
    leaseTtlMs: numberFlag(flags, "lease-ttl-ms", 0, { min: 0, integer: true }),
    lookupDeadlineMs: numberFlag(flags, "lookup-deadline-ms", 1000, { min: 1, integer: true }),
    statsPort: statsOff
      ? undefined
      : numberFlag(flags, "stats-port", 0, { min: 0, max: 65535, integer: true }),
    logger,
  });
  handleShutdown(
    async (reason) => {
      logger.info({ reason }, "draining");
      await running.stop();
    },
    { stdinControl: booleanFlag(flags, "stdin-control") },
  );
  printReady({ service: "order-service", name, address: running.address, statsUrl: running.statsUrl });
});
