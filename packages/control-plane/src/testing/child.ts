/**
 * One process a ChildTracker started: signalled by its pid only, its stdout read line by line
 * (the newest lines kept), its stderr kept as a tail (or passed on), awaited until it has exited.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type JsonLine = Readonly<Record<string, unknown>>;

/** Lines of stdout kept per child (the newest). */
const KEPT_LINES = 5000;
/** Characters of stderr kept per child (the newest), for error messages. */
const KEPT_STDERR_CHARS = 4000;

export class Child {
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  /** Resolves once it has exited and all its output has been read. */
  readonly outputClosed: Promise<void>;
  /** The newest stdout lines. */
  readonly lines: string[] = [];
  private stderrTail = "";
  private readonly listeners = new Set<(line: string) => void>();
  private exit: ExitStatus | undefined;

  /**
   * @param pid the process to signal: the program itself (for a child held by a reaper, the held
   *   program, not the reaper)
   * @param process the process spawned (the reaper, for a held child): exits as the program does
   */
  constructor(
    readonly name: string,
    readonly pid: number,
    readonly process: ChildProcess,
  ) {
    this.exited = once(process, "exit").then(([code, signal]) => {
      this.exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.exit;
    });
    this.outputClosed = once(process, "close").then(() => undefined);
    if (process.stdout) {
      createInterface({ input: process.stdout }).on("line", (line) => {
        this.lines.push(line);
        if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
        for (const listener of [...this.listeners]) listener(line);
      });
    }
    process.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-KEPT_STDERR_CHARS);
    });
    process.stdin?.on("error", () => undefined);
  }

  /** Every pid this child is made of: the program, and its reaper when it has one. */
  get pids(): number[] {
    const spawned = this.process.pid;
    return spawned === undefined || spawned === this.pid ? [this.pid] : [this.pid, spawned];
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** How it exited; undefined while it runs. */
  get exitStatus(): ExitStatus | undefined {
    return this.exit;
  }

  /** The newest stderr output (empty when stderr is passed on or written to a log file). */
  get stderr(): string {
    return this.stderrTail;
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first stdout line from now on that matches; rejects on exit or after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${this.name} (pid ${this.pid}): no ${what} within ${timeoutMs} ms${this.said()}`));
      }, timeoutMs);
      const off = this.onLine((line) => {
        if (!match(line)) return;
        clearTimeout(timer);
        off();
        resolve(line);
      });
      void this.exited.then((s) => {
        clearTimeout(timer);
        off();
        reject(
          new Error(
            `${this.name} (pid ${this.pid}) exited (${s.signal ?? s.code}) before ${what}${this.said()}`,
          ),
        );
      });
    });
  }

  /** The first stdout JSON line from now on that matches, parsed. */
  async waitForJson(match: (line: JsonLine) => boolean, timeoutMs: number, what: string): Promise<JsonLine> {
    const line = await this.waitForLine(
      (l) => {
        const json = parseJsonLine(l);
        return json !== undefined && match(json);
      },
      timeoutMs,
      what,
    );
    return parseJsonLine(line) as JsonLine;
  }

  /** Writes one line to the child's stdin (spawned with `stdin: "pipe"`). */
  write(line: string): void {
    if (this.running) this.process.stdin?.write(`${line}\n`);
  }

  /** Sends a signal to this child only; false once it has exited. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM (after SIGCONT, so a frozen child can act on it), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (!this.running) return this.exited;
    this.signal("SIGCONT");
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL (after SIGCONT, so a frozen child dies too); resolves once it has exited. */
  kill(): Promise<ExitStatus> {
    this.signal("SIGCONT");
    this.signal("SIGKILL");
    return this.exited;
  }

  /** Resident set size in bytes (Linux /proc), or undefined once the child is gone. */
  rssBytes(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  private said(): string {
    if (this.stderrTail) return `; stderr: ${this.stderrTail}`;
    const last = this.lines.at(-1);
    return last ? `; its last line: ${last.slice(0, 300)}` : "";
  }
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
