#!/usr/bin/env node
/**
 * load-generator: N workers calling OrderService.PlaceOrder (or UserService.GetUser) at a
 * target rate or back to back. Prints JSON lines: "ready", then one "tick" per second
 * (calls, failures by code, P50/P99, answers per instance), and "done" with the totals.
 */
import { credentials } from "@grpc/grpc-js";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { handleShutdown, printReady, runEntry } from "../common/entry.js";
import { type FlagValues, numberFlag, parseFlags, stringFlag, UsageError } from "../common/flags.js";
import { stderrLogger } from "../common/logger.js";
import { OrderServiceClient } from "../gen/demo/order/v1/order.js";
import { UserServiceClient } from "../gen/demo/user/v1/user.js";
import { CallTally } from "./call-tally.js";
import { type CallTarget, LoadGenerator } from "./load-generator.js";
import { getUserTarget, placeOrderTarget } from "./targets.js";

const USAGE = `Usage: node packages/examples/dist/load-generator/main.js [flags]

  --target <t>          "host:port", or "mesh:///<service>" through the mesh (default mesh:///order-service)
  --call <name>         place-order (OrderService.PlaceOrder) or get-user (UserService.GetUser) (default place-order)
  --control-plane <a>   control plane, for a mesh:/// target (default $SWITCHBOARD_CONTROL_PLANE, else 127.0.0.1:7400)
  --concurrency <n>     workers, each with one call in flight at most (default 16)
  --rate <n>            calls per second; 0: closed loop, as fast as the workers go (default 100)
  --duration <s>        stop after this many seconds; 0: run until SIGTERM/SIGINT (default 0)
  --deadline-ms <ms>    deadline of each call (default 2000)`;

const STRINGS = ["target", "call", "control-plane", "concurrency", "rate", "duration", "deadline-ms"];

interface Targeting {
  readonly target: CallTarget;
  close(): Promise<void>;
}

function connect(flags: FlagValues): Targeting {
  const address = stringFlag(flags, "target", "mesh:///order-service");
  const call = stringFlag(flags, "call", "place-order");
  if (call !== "place-order" && call !== "get-user")
    throw new UsageError(`--call must be place-order or get-user (got "${call}")`);
  let mesh: MeshClient | undefined;
  if (address.startsWith("mesh:")) {
    const controlPlane = stringFlag(
      flags,
      "control-plane",
      process.env.SWITCHBOARD_CONTROL_PLANE || "127.0.0.1:7400",
    );
    mesh = createMeshClient({ controlPlane, logger: stderrLogger("load-generator") });
  }
  const insecure = credentials.createInsecure();
  const client =
    call === "place-order"
      ? new OrderServiceClient(address, insecure)
      : new UserServiceClient(address, insecure);
  const target =
    client instanceof OrderServiceClient
      ? placeOrderTarget(client)
      : getUserTarget(client as UserServiceClient);
  return {
    target,
    close: async () => {
      client.close();
      await mesh?.close();
    },
  };
}

function print(event: string, fields: object): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

runEntry(USAGE, async (argv) => {
  const flags = parseFlags(argv, STRINGS);
  const concurrency = numberFlag(flags, "concurrency", 16, { min: 1, max: 10_000, integer: true });
  const ratePerSecond = numberFlag(flags, "rate", 100, { min: 0 });
  const durationS = numberFlag(flags, "duration", 0, { min: 0 });
  const deadlineMs = numberFlag(flags, "deadline-ms", 2000, { min: 1 });
  const targeting = connect(flags);
  const total = new CallTally();
  let second = new CallTally();
  const load = new LoadGenerator({
    target: targeting.target,
    concurrency,
    ratePerSecond,
    deadlineMs,
    onResult: (r) => {
      total.record(r);
      second.record(r);
    },
  });
  let elapsed = 0;
  const ticker = setInterval(() => {
    print("tick", { second: ++elapsed, ...second.snapshot() });
    second = new CallTally();
  }, 1000);
  const stop = async () => {
    clearInterval(ticker);
    await load.stop();
    await targeting.close();
    print("done", { seconds: elapsed, ...total.snapshot() });
  };
  handleShutdown(stop);
  load.start();
  printReady({ concurrency, ratePerSecond, deadlineMs });
  if (durationS > 0) setTimeout(() => process.kill(process.pid, "SIGTERM"), durationS * 1000);
});
