/** Runs the built `switchboard-control-plane` bin as a real process. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const BIN = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "dist",
  "bin",
  "switchboard-control-plane.js",
);

export interface BinProcess {
  readonly proc: ChildProcess;
  readonly address: string;
  readonly port: number;
  readonly lines: string[];
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Starts the bin and resolves once it logs its listen address. */
export async function startBin(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<BinProcess> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = once(proc, "exit") as Promise<[number | null, string | null]>;
  let stderr = "";
  proc.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const listening = new Promise<{ address: string; port: number }>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; address?: string; port?: number };
        if (entry.msg === "control plane listening" && entry.address && entry.port) {
          resolve({ address: entry.address, port: entry.port });
        }
      } catch {
        // not JSON; kept in lines
      }
    });
    void exited.then(([code]) =>
      reject(new Error(`the bin exited with ${code} before listening: ${stderr}${lines.join("\n")}`)),
    );
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  try {
    const { address, port } = await listening;
    return {
      proc,
      address,
      port,
      lines,
      async stop(timeoutMs = 10_000) {
        if (proc.exitCode !== null) return proc.exitCode;
        const killer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
        proc.kill("SIGTERM");
        const [code] = await exited;
        clearTimeout(killer);
        return code;
      },
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the bin to completion; resolves with its exit code and output. */
export async function runBin(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  proc.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [code] = (await once(proc, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
