#!/usr/bin/env node
/**
 * switchboard-control-plane: starts one control-plane replica, configured by flags and
 * environment variables (see --help). SIGTERM / SIGINT stop it gracefully (exit 0); a bad
 * configuration exits 2; a failure at start or at run time exits 1.
 */
import { parseCommandLine } from "../cli.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";
import { isConfigError } from "../errors.js";

function fail(message: string, code: number): never {
  process.stderr.write(`switchboard-control-plane: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let plane: ControlPlane;
  try {
    const cmd = parseCommandLine(process.argv.slice(2), process.env);
    if (cmd.kind === "help" || cmd.kind === "print") {
      process.stdout.write(`${cmd.text}\n`);
      return;
    }
    plane = createControlPlane(cmd.options);
  } catch (error) {
    if (isConfigError(error)) fail(error.message, 2);
    throw error;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    plane.logger.info({ signal }, "stopping");
    plane.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        plane.logger.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  try {
    await plane.start();
  } catch (error) {
    plane.logger.fatal({ err: error }, "control plane failed to start");
    await plane.stop({ graceMs: 0 }).catch(() => undefined);
    if (isConfigError(error)) fail(error.message, 2);
    process.exit(1);
  }
}

main().catch((error: unknown) =>
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error), 1),
);
