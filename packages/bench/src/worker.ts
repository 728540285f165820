/**
 * Entry of every worker process the suite forks: `worker.js <role>`. It waits for its setup
 * arguments, starts the role, reports ready, then runs the commands it is sent over IPC.
 */
import { isCommand } from "./lib/ipc.js";
import { adsLoadRole } from "./workers/ads-load.js";
import { echoClientRole } from "./workers/echo-client.js";
import { echoServerRole } from "./workers/echo-server.js";
import { microRole } from "./workers/micro.js";
import type { Role, RoleFactory } from "./workers/role.js";
import { watchLoadRole } from "./workers/watch-load.js";
import { writeLoadRole } from "./workers/write-load.js";

const ROLES: Readonly<Record<string, RoleFactory>> = {
  "echo-server": echoServerRole,
  "echo-client": echoClientRole,
  "watch-load": watchLoadRole,
  "ads-load": adsLoadRole,
  "write-load": writeLoadRole,
  micro: microRole,
};

function send(message: unknown): void {
  process.send?.(message);
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? "";
  const factory = ROLES[name];
  if (!factory) throw new Error(`unknown worker role "${name}"`);
  const setup = await new Promise<unknown>((resolve) => {
    process.once("message", (m: unknown) => resolve((m as { setup?: unknown }).setup));
  });
  let role: Role;
  try {
    role = await factory(setup);
  } catch (e) {
    send({ failed: errorText(e) });
    process.exit(1);
  }
  process.on("message", (m: unknown) => {
    if (!isCommand(m)) return;
    if (m.cmd === "exit") {
      void role.close().finally(() => process.exit(0));
      return;
    }
    const handler = role.commands[m.cmd];
    if (!handler) {
      send({ id: m.id, ok: false, error: `unknown command "${m.cmd}"` });
      return;
    }
    handler(m.args).then(
      (result) => send({ id: m.id, ok: true, result }),
      (e: unknown) => send({ id: m.id, ok: false, error: errorText(e) }),
    );
  });
  // The orchestrator going away takes the worker with it.
  process.on("disconnect", () => process.exit(0));
  send({ ready: true, info: role.info });
}

main().catch((e: unknown) => {
  process.stderr.write(`worker: ${errorText(e)}\n`);
  process.exit(1);
});
