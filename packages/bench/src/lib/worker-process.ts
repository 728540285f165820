import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, ChildTracker } from "@switchboard/control-plane/testing";
import { isFailed, isReady, isReply, type Reply } from "./ipc.js";

/** The worker entry beside this package's entry (worker.ts under tsx, worker.js when built). */
const WORKER = fileURLToPath(new URL(`../worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export interface WorkerOptions {
  /** Extra node flags (e.g. --cpu-prof) before the worker's entry. */
  readonly nodeFlags?: readonly string[];
  readonly readyTimeoutMs?: number;
}

/** Every worker of this run (each ends by itself should this process die). */
const workers = new ChildTracker();

/** A worker process: started with a role and its setup arguments, then driven by commands. */
export class WorkerProcess<Info = unknown> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitError: Error | undefined;

  private constructor(
    readonly role: string,
    readonly child: Child,
    readonly info: Info,
  ) {
    child.process.on("message", (m: unknown) => this.onMessage(m));
    void child.exited.then(({ code, signal }) => {
      this.exitError = new Error(`worker ${role} (pid ${child.pid}) exited (${signal ?? code})`);
      for (const p of this.pending.values()) p.reject(this.exitError);
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  static async start<I>(role: string, args: unknown, options: WorkerOptions = {}): Promise<WorkerProcess<I>> {
    const child = await workers.spawnNode(
      `worker ${role}`,
      [...process.execArgv, ...(options.nodeFlags ?? []), WORKER, role],
      { ipc: true, stdout: "inherit", stderr: "inherit" },
    );
    const proc = child.process;
    const info = await new Promise<I>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`worker ${role} not ready after ${options.readyTimeoutMs ?? 60_000} ms`));
      }, options.readyTimeoutMs ?? 60_000);
      const onExit = (code: number | null) =>
        reject(new Error(`worker ${role} exited with ${code} before it was ready`));
      proc.once("exit", onExit);
      proc.on("message", function first(m: unknown) {
        if (isReady(m)) resolve(m.info as I);
        else if (isFailed(m)) reject(new Error(`worker ${role} failed: ${m.failed}`));
        else return;
        clearTimeout(timer);
        proc.off("message", first);
        proc.off("exit", onExit);
      });
      proc.send({ setup: args });
    }).catch(async (e: unknown) => {
      await child.kill();
      throw e;
    });
    return new WorkerProcess<I>(role, child, info);
  }

  call<T>(cmd: string, args: unknown = {}): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.process.send({ id, cmd, args });
    });
  }

  /** Asks the worker to exit, then makes sure it has (SIGKILL after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.child.running) return;
    this.child.process.send({ id: 0, cmd: "exit", args: {} });
    const timer = setTimeout(() => void this.child.kill(), graceMs);
    await this.child.exited;
    clearTimeout(timer);
  }

  /** Sends a signal to this worker only (for failover: SIGKILL). */
  kill(signal: NodeJS.Signals): void {
    this.child.signal(signal);
  }

  async exited(): Promise<void> {
    await this.child.exited;
  }

  private onMessage(m: unknown): void {
    if (!isReply(m)) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    const reply = m as Reply;
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(`${this.role}: ${reply.error}`));
  }
}

/** Stops every worker in the list (in parallel). */
export async function stopAll(workers: readonly (WorkerProcess | undefined)[]): Promise<void> {
  await Promise.all(workers.map((w) => w?.stop()));
}
