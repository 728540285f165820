#!/usr/bin/env node
/**
 * proto-loader example: serves helloworld.Greeter (loaded at run time from greeter.proto) as the
 * mesh service "greeter", then calls it through the mesh with a client made from the same loaded
 * definition and with `mesh.call()`. Prints one JSON line per answer, drains and exits.
 */
import { credentials } from "@grpc/grpc-js";
import { createMeshClient } from "@switchboard/sdk";
import { runEntry } from "../common/entry.js";
import { parseFlags, stringFlag } from "../common/flags.js";
import { stderrLogger } from "../common/logger.js";
import { type HelloReply, loadGreeter, sayHelloWithCall, startGreeter } from "./greeter.js";

const USAGE = `Usage: node packages/examples/dist/proto-loader/main.js [flags]

  --control-plane <a>    control plane "host:port" (default $SWITCHBOARD_CONTROL_PLANE, else 127.0.0.1:7400)
  --name <name>          who to greet (default "world")`;

runEntry(USAGE, async (argv) => {
  const flags = parseFlags(argv, ["control-plane", "name"]);
  const controlPlane = stringFlag(
    flags,
    "control-plane",
    process.env.SWITCHBOARD_CONTROL_PLANE || "127.0.0.1:7400",
  );
  const name = stringFlag(flags, "name", "world");
  const logger = stderrLogger("proto-loader");
  const Greeter = loadGreeter();
  const greeter = await startGreeter({ controlPlane, logger });
  const mesh = createMeshClient({ controlPlane, logger });
  const client = new Greeter("mesh:///greeter", credentials.createInsecure());
  try {
    await mesh.waitForService("greeter");
    const viaClient = await new Promise<HelloReply>((resolve, reject) =>
      client.SayHello({ name }, { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    process.stdout.write(`${JSON.stringify({ event: "reply", via: "client", ...viaClient })}\n`);
    const viaCall = await sayHelloWithCall(mesh, Greeter, name);
    process.stdout.write(`${JSON.stringify({ event: "reply", via: "call", ...viaCall })}\n`);
  } finally {
    client.close();
    await mesh.close();
    await greeter.server.drain();
  }
});
