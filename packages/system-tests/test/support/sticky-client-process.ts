// A mesh client in its own process that reports where sticky keys land, for the sticky-split test.
// Usage: node --conditions=source --import tsx sticky-client-process.ts <control-plane> <service>
//          <header> <keys>
// For each route version read from stdin (one a line): waits until it routes by that version,
// calls <service> once per key "key-0".."key-<keys-1>" with the key in <header>, and prints one
// line `{"servedBy":["host:port", ...]}` (in key order). Exits when stdin ends.

import { once } from "node:events";
import { createInterface } from "node:readline";
import { credentials } from "@grpc/grpc-js";
import { createMeshClient } from "@switchboard/sdk";
import pino from "pino";
import { EchoServiceClient } from "../../src/gen/echo/v1/echo.js";
import { echoMany } from "./routes.js";

const [controlPlane = "127.0.0.1:7400", service = "echo", header = "x-user", keys = "100"] =
  process.argv.slice(2);

async function main(): Promise<void> {
  const mesh = createMeshClient({ controlPlane, logger: pino({ level: "silent" }) });
  const client = new EchoServiceClient(`mesh:///${service}`, credentials.createInsecure());
  await mesh.waitForService(service);
  const lines = createInterface({ input: process.stdin });
  const closed = once(lines, "close");
  for await (const line of lines) {
    while ((mesh.stats().services[service]?.routeVersion ?? 0) < Number(line))
      await new Promise((r) => setTimeout(r, 20));
    const outcomes = await echoMany(client, Number(keys), 32, (i) => ({ [header]: `key-${i}` }));
    const failed = outcomes.find((o) => o.code !== 0);
    if (failed) throw new Error(`a call failed: ${failed.code} ${failed.details}`);
    process.stdout.write(`${JSON.stringify({ servedBy: outcomes.map((o) => o.servedBy) })}\n`);
  }
  await closed;
  client.close();
  await mesh.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
