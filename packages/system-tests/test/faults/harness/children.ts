/**
 * Child processes of a fault scenario: spawned, tracked by pid, and always ended by the
 * scenario's cleanup (SIGCONT first, so a frozen child can die) — or, should the harness itself
 * die, by an exit hook. Only processes started here are ever signalled.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Lines of stdout kept per child (the newest). */
const KEPT_LINES = 5000;

export class Child {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  /** The newest stdout lines. */
  readonly lines: string[] = [];
  private stderrTail = "";
  private readonly listeners = new Set<(line: string) => void>();
  private exitStatus: ExitStatus | undefined;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    if (process.pid === undefined) throw new Error(`${name}: spawn failed (no pid)`);
    this.pid = process.pid;
    this.exited = once(process, "exit").then(([code, signal]) => {
      this.exitStatus = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.exitStatus;
    });
    if (process.stdout) {
      createInterface({ input: process.stdout }).on("line", (line) => {
        this.lines.push(line);
        if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
        for (const l of [...this.listeners]) l(line);
      });
    }
    process.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
  }

  get alive(): boolean {
    return this.exitStatus === undefined;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first stdout line (from now on, or already seen when `seen` is true) that matches. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; stderr: ${this.stderrTail}`));
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
          new Error(`${this.name} exited (${s.signal ?? s.code}) before ${what}; stderr: ${this.stderrTail}`),
        );
      });
    });
  }

  /** Sends a signal to this child only (a no-op once it has exited). */
  signal(sig: NodeJS.Signals): void {
    if (this.alive) process.kill(this.pid, sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (!this.alive) return this.exited;
    this.signal("SIGCONT");
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL (after SIGCONT, so a frozen child dies too). */
  async kill(): Promise<ExitStatus> {
    this.signal("SIGCONT");
    this.signal("SIGKILL");
    return this.exited;
  }

  /** Resident set size in bytes (Linux /proc), or undefined once the child is gone. */
  rssBytes(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return m?.[1] ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

const everyChild = new Set<Child>();
let exitHook = false;

function track(child: Child): void {
  everyChild.add(child);
  void child.exited.then(() => everyChild.delete(child));
  if (exitHook) return;
  exitHook = true;
  // Last resort: no child outlives the harness, even when it dies between scenarios.
  process.once("exit", () => {
    for (const c of everyChild) {
      try {
        process.kill(c.pid, "SIGCONT");
        process.kill(c.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** The children of one scenario. */
export class ChildSet {
  private readonly children: Child[] = [];
  private sealed = false;

  /** Spawns `node <args>`; stdout is read line by line, stderr kept as a tail. */
  spawnNode(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
    if (this.sealed) throw new Error(`${name}: the scenario is over; nothing more is started`);
    const proc = spawn(process.execPath, [...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const child = new Child(name, proc);
    track(child);
    this.children.push(child);
    return child;
  }

  get all(): readonly Child[] {
    return this.children;
  }

  /** Kills every child still running and waits for each to exit; nothing is started after. */
  async killAll(): Promise<void> {
    this.sealed = true;
    await Promise.all(this.children.map((c) => c.kill()));
  }
}
