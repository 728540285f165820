import { UsageError } from "./flags.js";

/** What every example entry writes to stdout first: one JSON line once it is ready. */
export function printReady(fields: Readonly<Record<string, unknown>>): void {
  process.stdout.write(`${JSON.stringify({ event: "ready", pid: process.pid, ...fields })}\n`);
}

/**
 * Runs an entry's `main`: `--help` and usage errors print the usage (exit 0 and 2), any other
 * failure prints its message (exit 1).
 */
export function runEntry(usage: string, main: (argv: readonly string[]) => Promise<void>): void {
  const argv = process.argv.slice(2);
  if (argv.includes("--help")) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  main(argv).catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

export interface ShutdownOptions {
  /** Also shut down when stdin closes (the parent went away), and hand stdin lines to `onCommand`. */
  readonly stdinControl?: boolean;
  readonly onCommand?: (line: string) => string | undefined;
}

/**
 * Calls `stop` once on SIGTERM, SIGINT or (with `stdinControl`) the end of stdin, then exits 0
 * (1 when `stop` fails). A second signal while stopping exits 1 at once.
 */
export function handleShutdown(stop: (reason: string) => Promise<void>, options: ShutdownOptions = {}): void {
  let stopping = false;
  let signalled = false;
  const begin = (reason: string) => {
    const bySignal = reason !== "stdin closed";
    // A second signal means "now": give up on the drain.
    if (bySignal && signalled) process.exit(1);
    signalled ||= bySignal;
    if (stopping) return;
    stopping = true;
    stop(reason).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => begin("SIGTERM"));
  process.on("SIGINT", () => begin("SIGINT"));
  if (options.stdinControl) readStdinCommands(options.onCommand, () => begin("stdin closed"));
}

function readStdinCommands(onCommand: ShutdownOptions["onCommand"], onEnd: () => void): void {
  let buffered = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      const reply = line && onCommand ? onCommand(line) : undefined;
      if (reply)
        process.stdout.write(`${JSON.stringify({ event: "command", command: line, result: reply })}\n`);
      newline = buffered.indexOf("\n");
    }
  });
  process.stdin.on("end", onEnd);
  process.stdin.on("error", onEnd);
}
