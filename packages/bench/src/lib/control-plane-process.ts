/** The control plane as its own process: the built `switchboard-control-plane` bin. */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stopChild, track } from "./children.js";

/**
 * The bin of the workspace's control plane (built by `pnpm run build`), or the script named by
 * SWITCHBOARD_BENCH_CONTROL_PLANE_BIN (same flags and log line), to compare a change against it.
 */
function binPath(): string {
  const override = process.env.SWITCHBOARD_BENCH_CONTROL_PLANE_BIN;
  if (override) return override;
  const url = new URL(
    "../../node_modules/@switchboard/control-plane/dist/bin/switchboard-control-plane.js",
    import.meta.url,
  );
  return fileURLToPath(url);
}

export interface ControlPlaneProcess {
  readonly address: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resident set size of the process now, in bytes (from /proc). */
  rssBytes(): number;
  stop(): Promise<void>;
}

export interface ControlPlaneProcessOptions {
  readonly redisUrl?: string;
  readonly redisPrefix?: string;
  readonly extraArgs?: readonly string[];
  readonly nodeFlags?: readonly string[];
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

export async function startControlPlaneProcess(
  options: ControlPlaneProcessOptions = {},
): Promise<ControlPlaneProcess> {
  const args = ["--listen", "127.0.0.1:0", "--metrics-listen", "off", "--log-level", "info"];
  if (options.redisUrl) args.push("--redis-url", options.redisUrl);
  if (options.redisPrefix) args.push("--redis-prefix", options.redisPrefix);
  args.push("--min-lease-ttl-ms", "500", ...(options.extraArgs ?? []));
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), binPath(), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "" },
  });
  track(child);
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("control plane not listening after 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`control plane exited with ${code} before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (!line.includes("control plane listening")) return;
      try {
        const entry = JSON.parse(line) as { address?: string };
        if (entry.address) {
          clearTimeout(timer);
          resolve(entry.address);
        }
      } catch {
        // not a log line of ours
      }
    });
  }).catch(async (e: unknown) => {
    await stopChild(child, "SIGKILL");
    throw e;
  });
  const pid = child.pid ?? -1;
  return {
    address,
    pid,
    child,
    rssBytes: () => rssOf(pid),
    stop: () => stopChild(child, "SIGTERM", 10_000),
  };
}

/** CPU time (user + system) a process has used so far, in ms (from /proc, clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
