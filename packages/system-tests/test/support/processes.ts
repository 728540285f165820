import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ECHO_PROCESS = fileURLToPath(new URL("./echo-process.ts", import.meta.url));

export interface ChildInstance {
  readonly child: ChildProcess;
  readonly address: string;
  readonly pid: number;
  /** Sends a signal to this process only. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
}

/** Starts an echo mesh instance in its own process and waits until it serves. */
export async function spawnEchoInstance(
  controlPlane: string,
  options: { service?: string; zone?: string; delayMs?: number; leaseTtlMs?: number } = {},
): Promise<ChildInstance> {
  const args = [
    "--conditions=source",
    "--import",
    "tsx",
    ECHO_PROCESS,
    controlPlane,
    options.service ?? "echo",
    options.zone ?? "",
    String(options.delayMs ?? 0),
    String(options.leaseTtlMs ?? 1000),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const exit = once(child, "exit").then(([code]) => code as number | null);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await Promise.race([
    once(lines, "line").then(([line]) => line as string),
    exit.then((code) => {
      throw new Error(`echo instance exited with ${code} before serving`);
    }),
  ]);
  const { address, pid } = JSON.parse(first) as { address: string; pid: number };
  return {
    child,
    address,
    pid,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, signal);
    },
    exited: () => exit,
  };
}

/** Kills every instance still running (SIGKILL) and waits for them: test cleanup. */
export async function killAll(instances: readonly ChildInstance[]): Promise<void> {
  await Promise.all(
    instances.map(async (i) => {
      i.kill("SIGKILL");
      await i.exited();
    }),
  );
}
