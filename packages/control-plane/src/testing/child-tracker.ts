/**
 * Starts child processes that never outlive the process that started them, and keeps track of
 * them so they can be stopped together.
 *
 * Every child gets one end of a pipe (an extra file descriptor, named to it by
 * SWITCHBOARD_PARENT_PIPE_FD); this process keeps the other. When this process dies, however it
 * dies (SIGKILL included), the kernel closes its end, and the child stops:
 * - a Node child loads `parent-pipe.mjs` (`node --import`), which watches the pipe;
 * - any other program (redis-server, ...), and a Node child that may be frozen with SIGSTOP (a
 *   frozen process cannot watch anything), is held by `reaper.mjs`, a small Node process that
 *   watches the pipe and ends the program it holds.
 * Besides, whatever is still running when this process exits normally is killed at once.
 * Only processes started here are ever signalled, and only by pid.
 */
import { type ChildProcess, type IOType, type StdioOptions, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, createWriteStream, openSync } from "node:fs";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Child, type ExitStatus } from "./child.js";

/** Watches the parent's pipe inside a Node child (plain JavaScript: runs from src/ and dist/). */
const PARENT_PIPE_GUARD = new URL("./parent-pipe.mjs", import.meta.url).href;
/** Holds a program that cannot watch the pipe itself. */
const REAPER = fileURLToPath(new URL("./reaper.mjs", import.meta.url));
/** The environment variable naming the pipe's file descriptor in the child. */
const PIPE_FD_VARIABLE = "SWITCHBOARD_PARENT_PIPE_FD";
/** How long a held program may take to start before the reaper is given up on. */
const REAPER_START_TIMEOUT_MS = 10_000;

export interface SpawnOptions {
  /** The child's whole environment. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** "pipe": lines can be sent with `child.write()`. Default "ignore". */
  readonly stdin?: "ignore" | "pipe";
  /** "pipe" (default): read line by line (`child.lines`, `waitForLine`); "inherit": passed on to
   * this process's stdout; or a file descriptor to write it to. */
  readonly stdout?: "pipe" | "inherit" | number;
  /** "keep" (default): the newest output is kept for error messages; "inherit": passed on to
   * this process's stderr. */
  readonly stderr?: "keep" | "inherit";
  /** Appends the child's stdout lines and its stderr to this file (stderr is then not kept). */
  readonly logFile?: string;
  /** Opens a Node IPC channel (`child.process.send()`); Node children only. */
  readonly ipc?: boolean;
  /** A process group of its own: a Ctrl-C in the terminal then reaches this process only. */
  readonly detached?: boolean;
}

export interface NodeSpawnOptions extends SpawnOptions {
  /** Held by a reaper rather than watching the pipe itself: for a child that may be frozen. */
  readonly freezable?: boolean;
}

export interface RunOptions {
  /** The child's whole environment. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Stopped (SIGTERM, SIGKILL two seconds later) once it has run this long. Default 60000. */
  readonly timeoutMs?: number;
}

/** How a program run to its end ended, and what it printed. */
export interface RunResult extends ExitStatus {
  /** Its stdout (the newest lines, see Child.lines). */
  readonly stdout: string;
  /** Its stderr (the newest output, see Child.stderr). */
  readonly stderr: string;
  /** True when it was stopped for running past its time. */
  readonly timedOut: boolean;
}

/** How long a program run past its time gets between SIGTERM and SIGKILL. */
const RUN_STOP_GRACE_MS = 2000;

/** Every child of this process still running, for the exit hook. */
const running = new Set<Child>();
let exitHookInstalled = false;

function trackGlobally(child: Child): void {
  running.add(child);
  void child.exited.then(() => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const leftover of running) {
      for (const pid of leftover.pids) {
        for (const signal of ["SIGCONT", "SIGKILL"] as const) {
          try {
            process.kill(pid, signal);
          } catch {
            // already gone
          }
        }
      }
    }
  });
}

/** A set of children started together (a test's, a scenario's, a demo's), stopped together. */
export class ChildTracker {
  private readonly children: Child[] = [];
  private closed = false;

  get all(): readonly Child[] {
    return this.children;
  }

  /** Starts a Node child: `node <args>` (script and its arguments, after any node flags). */
  spawnNode(name: string, args: readonly string[], options: NodeSpawnOptions = {}): Promise<Child> {
    if (options.freezable) return this.start(name, [REAPER, process.execPath, ...args], options, true);
    return this.start(name, ["--import", PARENT_PIPE_GUARD, ...args], options, false);
  }

  /** Starts any other program, held by a reaper. */
  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Child> {
    return this.start(name, [REAPER, command, ...args], options, true);
  }

  /** Runs a Node program (`node <args>`) to its end. */
  async runNode(name: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const child = await this.spawnNode(name, args, options.env ? { env: options.env } : {});
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void child.stop(RUN_STOP_GRACE_MS);
    }, options.timeoutMs ?? 60_000);
    // "close": the exit, and all its output read.
    await child.outputClosed;
    clearTimeout(timer);
    const status = await child.exited;
    const stdout = child.lines.map((line) => `${line}\n`).join("");
    return { ...status, stdout, stderr: child.stderr, timedOut };
  }

  /**
   * Stops every child still running: the `first` stages in order (each stage in parallel), then
   * the rest; SIGTERM, then SIGKILL after `graceMs`. Nothing is started afterwards.
   */
  async stopAll(graceMs = 10_000, first: readonly (readonly Child[])[] = []): Promise<void> {
    this.closed = true;
    const staged = new Set(first.flat());
    const stages = [...first, this.children.filter((c) => !staged.has(c))];
    for (const stage of stages) await Promise.all(stage.map((c) => c.stop(graceMs)));
  }

  /** SIGKILLs every child still running and waits for each to exit; nothing is started after. */
  async killAll(): Promise<void> {
    this.closed = true;
    await Promise.all(this.children.map((c) => c.kill()));
  }

  /** SIGKILLs every child still running, synchronously (for a fatal error or process exit). */
  killAllNow(): void {
    this.closed = true;
    for (const child of this.children) {
      child.signal("SIGCONT");
      child.signal("SIGKILL");
    }
  }

  private async start(
    name: string,
    nodeArgs: readonly string[],
    options: SpawnOptions,
    held: boolean,
  ): Promise<Child> {
    // A start racing a stop (Ctrl-C during start-up) must not leave a child nobody stops.
    if (this.closed) throw new Error(`not starting ${name}: its tracker has been stopped`);
    const { proc, pipe } = spawnWithPipe(nodeArgs, options);
    let pid = proc.pid;
    if (held) pid = await heldPid(name, proc, pipe);
    if (pid === undefined) throw new Error(`${name}: spawn failed (no pid)`);
    const child = new Child(name, pid, proc);
    this.children.push(child);
    trackGlobally(child);
    if (options.logFile) appendStdout(child, options.logFile);
    return child;
  }
}

function spawnWithPipe(nodeArgs: readonly string[], o: SpawnOptions): { proc: ChildProcess; pipe: Socket } {
  const logFd = o.logFile ? openSync(o.logFile, "a") : undefined;
  const stderr: IOType | number = logFd ?? (o.stderr === "inherit" ? "inherit" : "pipe");
  const stdio: StdioOptions = [
    o.stdin ?? "ignore",
    o.stdout ?? "pipe",
    stderr,
    ...(o.ipc ? (["ipc"] as const) : []),
  ];
  const pipeFd = stdio.length;
  let proc: ChildProcess;
  try {
    proc = spawn(process.execPath, [...nodeArgs], {
      stdio: [...stdio, "pipe"],
      env: { ...(o.env ?? process.env), [PIPE_FD_VARIABLE]: String(pipeFd) },
      detached: o.detached ?? false,
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  const pipe = proc.stdio[pipeFd] as Socket;
  pipe.on("error", () => undefined);
  // The pipe is only there to close when this process dies: it never keeps this process alive.
  pipe.unref();
  return { proc, pipe };
}

/** The pid of the program a reaper holds (the reaper's first line on the pipe). */
async function heldPid(name: string, proc: ChildProcess, pipe: Socket): Promise<number> {
  let said = "";
  const pidLine = new Promise<number>((resolve) => {
    pipe.on("data", (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes("\n")) resolve(Number(said.trim()));
    });
  });
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = once(proc, "exit").then(([code, signal]): never => {
    throw new Error(`${name}: exited (${signal ?? code}) as it started: ${stderr}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name}: not started within ${REAPER_START_TIMEOUT_MS} ms`)),
      REAPER_START_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([pidLine, exited, late]);
  } catch (error) {
    proc.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
    exited.catch(() => undefined);
  }
}

/** Appends the child's stdout lines to `file` (its stderr already goes there). */
function appendStdout(child: Child, file: string): void {
  const log = createWriteStream(file, { flags: "a" });
  child.onLine((line) => log.write(`${line}\n`));
  void child.exited.then(() => log.end());
}

/** The tracker of launches that name none: what they start is stopped at this process's exit. */
export const sharedTracker = new ChildTracker();
