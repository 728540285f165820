#!/usr/bin/env node
/**
 * user-service: one instance of demo.user.v1.UserService in the mesh, with injected latency and
 * failures. Prints `{"event":"ready","address":…}` once serving; SIGTERM drains, then exits 0.
 */
import { handleShutdown, printReady, runEntry } from "../common/entry.js";
import { booleanFlag, numberFlag, parseFlags, stringFlag } from "../common/flags.js";
import { stderrLogger } from "../common/logger.js";
import { applyCommand, COMMAND_HELP } from "./behaviour.js";
import { startUserService } from "./user-service.js";

const USAGE = `Usage: node packages/examples/dist/user-service/main.js [flags]

  --port <n>             gRPC port (default 0: any free port)
  --host <host>          host to listen on and advertise (default 127.0.0.1)
  --zone <zone>          this instance's zone (default $SWITCHBOARD_ZONE, else none)
  --latency-ms <ms>      mean latency added to every call, +-10% jitter (default 0)
  --failure-rate <0..1>  share of calls that fail with UNAVAILABLE (default 0)
  --control-plane <a>    control plane "host:port" (default $SWITCHBOARD_CONTROL_PLANE, else 127.0.0.1:7400)
  --name <name>          instance name, shown in logs and errors (default user-<pid>)
  --service <name>       mesh service name (default user-service)
  --version <v>          register with metadata version=<v>, for route subsets (default: none)
  --lease-ttl-ms <ms>    lease TTL to ask for (default: the control plane's)
  --stdin-control        read commands from stdin (${COMMAND_HELP});
                         drain and exit when stdin closes`;

const STRINGS = [
  "port",
  "host",
  "zone",
  "latency-ms",
  "failure-rate",
  "control-plane",
  "name",
  "service",
  "lease-ttl-ms",
  "version",
];

runEntry(USAGE, async (argv) => {
  const flags = parseFlags(argv, STRINGS, ["stdin-control"]);
  const name = stringFlag(flags, "name", `user-${process.pid}`);
  const logger = stderrLogger(name);
  const running = await startUserService({
    name,
    service: stringFlag(flags, "service", "user-service"),
    controlPlane: stringFlag(
      flags,
      "control-plane",
      process.env.SWITCHBOARD_CONTROL_PLANE || "127.0.0.1:7400",
    ),
    host: stringFlag(flags, "host", "127.0.0.1"),
    port: numberFlag(flags, "port", 0, { min: 0, max: 65535, integer: true }),
    zone: stringFlag(flags, "zone", process.env.SWITCHBOARD_ZONE ?? ""),
    version: stringFlag(flags, "version", ""),
    leaseTtlMs: numberFlag(flags, "lease-ttl-ms", 0, { min: 0, integer: true }),
    behaviour: {
      latencyMs: numberFlag(flags, "latency-ms", 0, { min: 0 }),
      failureRate: numberFlag(flags, "failure-rate", 0, { min: 0, max: 1 }),
    },
    logger,
  });
  handleShutdown(
    async (reason) => {
      logger.info({ reason }, "draining");
      await running.server.drain();
    },
    {
      stdinControl: booleanFlag(flags, "stdin-control"),
      onCommand: (line) => {
        const result = applyCommand(running.behaviour, line);
        logger.info({ command: line, ...result }, "command");
        return result.message;
      },
    },
  );
  printReady({ service: "user-service", name, address: running.address, ...running.behaviour });
});
