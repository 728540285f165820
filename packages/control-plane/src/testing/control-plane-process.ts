/**
 * The real `switchboard-control-plane` bin (built into dist/ by `pnpm run build`) as a child
 * process on 127.0.0.1. Its port is learnt from the JSON log line it writes once it listens
 * ("control plane listening", with `address` and `port`): no port is picked in advance, so no
 * other process can take it in between.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Child, ExitStatus, JsonLine } from "./child.js";
import { type ChildTracker, sharedTracker } from "./child-tracker.js";

/** The built bin, whether this module runs from src/ (under a TypeScript loader) or from dist/. */
export const CONTROL_PLANE_BIN = fileURLToPath(
  new URL(
    import.meta.url.endsWith(".ts")
      ? "../../dist/bin/switchboard-control-plane.js"
      : "../bin/switchboard-control-plane.js",
    import.meta.url,
  ),
);

/** The message of the log line the control plane writes once it listens. */
const LISTENING = "control plane listening";
const DEFAULT_START_TIMEOUT_MS = 20_000;

export interface ControlPlaneLaunchOptions {
  /** Where the process is tracked (and stopped with the rest). Default: one shared by this module. */
  readonly tracker?: ChildTracker;
  /** Shown in messages. Default "control-plane" (and the replica id). */
  readonly name?: string;
  /** Port on 127.0.0.1. Default 0: any free port (read back from the listen line). */
  readonly port?: number;
  readonly replicaId?: string;
  /** Unset: the embedded memory store. */
  readonly redisUrl?: string | undefined;
  readonly redisKeyPrefix?: string | undefined;
  /** More flags, after the launcher's own (a flag given twice: the later one wins). */
  readonly args?: readonly string[];
  /** Added to the process's environment, which is otherwise only PATH and
   * SWITCHBOARD_LOG_LEVEL=info (nothing of this process's SWITCHBOARD_* settings leaks in). */
  readonly env?: NodeJS.ProcessEnv;
  /** Node flags before the bin (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
  /** The script to run instead of the built bin (same flags and log line). */
  readonly bin?: string;
  /** An installed bin to run as it is (its `#!` line and all, held by a reaper) rather than
   * `node <bin>`: the control plane as a package installed outside the workspace runs it. */
  readonly executable?: string;
  /** Appends its output to this file (see SpawnOptions.logFile). */
  readonly logFile?: string;
  /** "inherit": its stderr is passed on to this process's. Default: a tail kept for messages. */
  readonly stderr?: "keep" | "inherit";
  /** A process group of its own (see SpawnOptions.detached). */
  readonly detached?: boolean;
  /** How long it may take to listen. Default 20000. */
  readonly startTimeoutMs?: number;
}

export interface ControlPlaneProcess {
  readonly child: Child;
  readonly pid: number;
  /** host:port it listens on. */
  readonly address: string;
  readonly port: number;
  /** The log line it wrote once listening (address, port, store, replica, ...). */
  readonly listening: JsonLine;
  /** SIGTERM, SIGKILL after `graceMs` (default 10000); resolves with how it exited. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

/** Starts the control plane and resolves once it listens. */
export async function launchControlPlane(o: ControlPlaneLaunchOptions = {}): Promise<ControlPlaneProcess> {
  const bin = o.executable ?? o.bin ?? CONTROL_PLANE_BIN;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run "pnpm run build" first`);
  const args = ["--listen", `127.0.0.1:${o.port ?? 0}`, "--metrics-listen", "off"];
  if (o.replicaId !== undefined) args.push("--replica-id", o.replicaId);
  if (o.redisUrl) args.push("--redis-url", o.redisUrl);
  if (o.redisKeyPrefix) args.push("--redis-prefix", o.redisKeyPrefix);
  const tracker = o.tracker ?? sharedTracker;
  const name = o.name ?? (o.replicaId === undefined ? "control-plane" : `control-plane ${o.replicaId}`);
  const spawnOptions = {
    env: { PATH: process.env.PATH, SWITCHBOARD_LOG_LEVEL: "info", ...o.env },
    ...(o.logFile === undefined ? {} : { logFile: o.logFile }),
    ...(o.stderr === undefined ? {} : { stderr: o.stderr }),
    ...(o.detached === undefined ? {} : { detached: o.detached }),
  };
  const child = o.executable
    ? await tracker.spawn(name, o.executable, [...args, ...(o.args ?? [])], spawnOptions)
    : await tracker.spawnNode(name, [...(o.nodeFlags ?? []), bin, ...args, ...(o.args ?? [])], spawnOptions);
  let listening: JsonLine;
  try {
    listening = await child.waitForJson(
      (line) => line.msg === LISTENING && typeof line.address === "string" && typeof line.port === "number",
      o.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      `"${LISTENING}" log line (is its log level info or lower?)`,
    );
  } catch (error) {
    await child.kill();
    throw error;
  }
  return {
    child,
    pid: child.pid,
    address: listening.address as string,
    port: listening.port as number,
    listening,
    stop: (graceMs = 10_000) => child.stop(graceMs),
  };
}

export interface ControlPlaneRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the control plane to completion (`--help`, a bad flag, ...); killed after `timeoutMs`. */
export async function runControlPlane(
  args: readonly string[],
  o: { readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number } = {},
): Promise<ControlPlaneRun> {
  const { code, stdout, stderr } = await sharedTracker.runNode(
    "control-plane",
    [CONTROL_PLANE_BIN, ...args],
    {
      env: { PATH: process.env.PATH, ...o.env },
      timeoutMs: o.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    },
  );
  return { code, stdout, stderr };
}
