#!/usr/bin/env node
/**
 * switchboard-control-plane: starts one control-plane replica, configured by flags and
 * environment variables (see --help). SIGTERM / SIGINT stop it gracefully; whatever state the
 * store, the streams or the log output are in, the process exits at the latest
 * STOP_DEADLINE_MARGIN_MS after the grace period, and at once on a second signal. Exit codes:
 * EXIT_CODES in cli.ts.
 */
import { constants } from "node:os";
import { EXIT_CODES, parseCommandLine, STOP_DEADLINE_MARGIN_MS } from "../cli.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";
import { isConfigError } from "../errors.js";

/** Best effort: stderr may be gone too, and that must not stop an exit. */
function say(message: string): void {
  try {
    process.stderr.write(`switchboard-control-plane: ${message}\n`);
  } catch {
    // nothing left to tell
  }
}

function fail(message: string, code: number): never {
  say(message);
  process.exit(code);
}

/** Logging is guarded (it cannot throw), but a stop must not depend on it. */
function log(plane: ControlPlane, fn: (logger: ControlPlane["logger"]) => void): void {
  try {
    fn(plane.logger);
  } catch {
    // the log line is lost; the stop goes on
  }
}

function handleSignals(plane: ControlPlane): { readonly stopping: () => boolean } {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      say(`${signal} again while stopping: exiting now`);
      process.exit(EXIT_CODES.secondSignal + (constants.signals[signal] ?? 0));
    }
    stopping = true;
    const deadlineMs = plane.options.shutdownGraceMs + STOP_DEADLINE_MARGIN_MS;
    setTimeout(() => {
      say(`the stop did not finish within ${deadlineMs} ms: exiting`);
      process.exit(EXIT_CODES.stopDeadlinePassed);
    }, deadlineMs).unref();
    log(plane, (l) => l.info({ signal }, "stopping"));
    plane.stop().then(
      () => process.exit(EXIT_CODES.stopped),
      (error: unknown) => {
        log(plane, (l) => l.error({ err: error }, "stop failed"));
        process.exit(EXIT_CODES.failed);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return { stopping: () => stopping };
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
    if (isConfigError(error)) fail(error.message, EXIT_CODES.badConfiguration);
    throw error;
  }
  const signals = handleSignals(plane);
  try {
    await plane.start();
  } catch (error) {
    // A signal during start-up stops the plane, which fails start(): the stop decides the exit.
    if (signals.stopping()) return;
    log(plane, (l) => l.fatal({ err: error }, "control plane failed to start"));
    await plane.stop({ graceMs: 0 }).catch(() => undefined);
    if (isConfigError(error)) fail(error.message, EXIT_CODES.badConfiguration);
    fail(error instanceof Error ? error.message : String(error), EXIT_CODES.failed);
  }
}

main().catch((error: unknown) =>
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error), EXIT_CODES.failed),
);
