import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, createWriteStream, openSync } from "node:fs";
import { createInterface } from "node:readline";

export type JsonLine = Readonly<Record<string, unknown>>;

export interface ChildSpec {
  /** Shown in messages and used for the log file name. */
  readonly name: string;
  /** Arguments to node (script first). */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** stdout (after the ready line) and stderr go here. */
  readonly logFile: string;
  /** Keep stdin open as a pipe: the child reads commands from it and stops when it closes. */
  readonly stdinControl: boolean;
  /** Which stdout JSON line means "ready". */
  readonly isReady: (line: JsonLine) => boolean;
  readonly readyTimeoutMs: number;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A node child process this demo started: signalled by its pid, awaited until it has exited. */
export class DemoChild {
  /** The JSON line the child printed when it became ready. */
  ready: JsonLine = {};
  private exit: ChildExit | undefined;
  readonly exited: Promise<ChildExit>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = once(child, "exit").then(([code, signal]) => {
      this.exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.exit;
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** How it exited; undefined while it runs. */
  get exitStatus(): ChildExit | undefined {
    return this.exit;
  }

  /** Sends `signal` to this child only (never to a group or by name); false if it had exited. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Writes one command line to the child's stdin. */
  command(line: string): void {
    if (this.running) this.child.stdin?.write(`${line}\n`);
  }

  /** Asks the child to stop (SIGTERM); SIGKILLs it after `graceMs`; resolves once it has exited. */
  async stop(graceMs: number): Promise<ChildExit> {
    if (!this.running) return this.exited;
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Starts a node child process. `ready` resolves with its ready line, or rejects if it exits
 * first or takes longer than `readyTimeoutMs` (the child is then still the caller's to stop).
 */
export function launchChild(spec: ChildSpec): { child: DemoChild; ready: Promise<JsonLine> } {
  const logFd = openSync(spec.logFile, "a");
  let proc: ChildProcess;
  try {
    proc = spawn(process.execPath, [...spec.args], {
      stdio: [spec.stdinControl ? "pipe" : "ignore", "pipe", logFd],
      env: spec.env ?? process.env,
      // Own process group: a Ctrl-C in the terminal reaches the demo only, which then stops the children in order.
      detached: true,
    });
  } finally {
    closeSync(logFd);
  }
  const child = new DemoChild(spec.name, proc);
  proc.stdin?.on("error", () => undefined);
  const ready = readyLine(child, proc, spec).then((line) => {
    child.ready = line;
    return line;
  });
  return { child, ready };
}

function readyLine(child: DemoChild, proc: ChildProcess, spec: ChildSpec): Promise<JsonLine> {
  const log = createWriteStream(spec.logFile, { flags: "a" });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  return new Promise<JsonLine>((resolve, reject) => {
    let ready = false;
    let last = "";
    const timer = setTimeout(
      () => fail(`did not get ready within ${spec.readyTimeoutMs} ms`),
      spec.readyTimeoutMs,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      const said = last ? ` (its last line: ${last.slice(0, 300)})` : "";
      if (!ready) reject(new Error(`${spec.name} (pid ${child.pid}) ${why}${said}; see ${spec.logFile}`));
    };
    lines.on("line", (line) => {
      log.write(`${line}\n`);
      if (ready) return;
      last = line;
      const json = parseJsonLine(line);
      if (json && spec.isReady(json)) {
        ready = true;
        clearTimeout(timer);
        resolve(json);
      }
    });
    lines.on("close", () => log.end());
    child.exited.then((exit) =>
      fail(`exited (code ${exit.code}, signal ${exit.signal}) before it was ready`),
    );
  });
}

/** The object on a JSON line, or undefined for any other line. */
export function parseJsonLine(line: string): JsonLine | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as JsonLine)
      : undefined;
  } catch {
    return undefined;
  }
}
