/**
 * A pino destination that can never hold the process hostage. pino's default destination writes
 * synchronously and, when stdout is a pipe whose reader is gone or a full disk, retries forever
 * with the event loop blocked: no timer, no signal handler, no request runs again. This one
 * writes through the process's own stream (asynchronous for pipes), drops lines while more than
 * `maxBacklogBytes` wait to be written, and on the first write error (EPIPE, ENOSPC, …) stops
 * writing. Either is reported once on stderr, when stderr can take it. Nothing it does throws
 * into the code that logged.
 */
import type { Writable } from "node:stream";

export interface LogDestination {
  write(line: string): void;
  /** Lines not written (backlog full, or the output failed). */
  readonly dropped: number;
}

export interface LogDestinationOptions {
  /** Where lines go. Default `process.stdout`. */
  readonly stream?: Writable;
  /** Lines are dropped while this many bytes wait to be written. Default 4 MiB. */
  readonly maxBacklogBytes?: number;
  /** Where the one-time report goes. Default: `process.stderr`, errors ignored. */
  readonly report?: (message: string) => void;
}

function reportOnStderr(message: string): void {
  try {
    if (process.stderr.listenerCount("error") === 0) process.stderr.on("error", () => undefined);
    process.stderr.write(`${message}\n`);
  } catch {
    // stderr is gone too: nothing left to tell.
  }
}

class GuardedDestination implements LogDestination {
  dropped = 0;
  private failed = false;
  private reported = false;

  constructor(
    private readonly stream: Writable,
    private readonly maxBacklogBytes: number,
    private readonly report: (message: string) => void,
  ) {
    stream.on("error", (error: unknown) => this.fail(error));
  }

  write(line: string): void {
    if (this.failed || this.stream.destroyed) {
      this.dropped += 1;
      return;
    }
    if (this.stream.writableLength > this.maxBacklogBytes) {
      this.dropped += 1;
      this.tell("log output is not being read; dropping log lines until it is");
      return;
    }
    try {
      this.stream.write(line);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.dropped += 1;
    const reason = error instanceof Error ? error.message : String(error);
    this.tell(`log output failed (${reason}); logging stops, the process carries on`);
  }

  private tell(message: string): void {
    if (this.reported) return;
    this.reported = true;
    this.report(message);
  }
}

const shared = new Map<Writable, LogDestination>();

/** A guarded destination; one per stream (the default ones are shared, so any number of loggers
 * add one error listener in all). */
export function guardedLogDestination(options: LogDestinationOptions = {}): LogDestination {
  const stream = options.stream ?? process.stdout;
  const custom = options.maxBacklogBytes !== undefined || options.report !== undefined;
  const existing = custom ? undefined : shared.get(stream);
  if (existing) return existing;
  const created = new GuardedDestination(
    stream,
    options.maxBacklogBytes ?? 4 * 1024 * 1024,
    options.report ?? reportOnStderr,
  );
  if (!custom) shared.set(stream, created);
  return created;
}
