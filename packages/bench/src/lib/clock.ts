import { performance } from "node:perf_hooks";

/**
 * Wall-clock milliseconds with sub-millisecond precision, comparable between processes on one
 * machine (each process's high-resolution clock anchored at its own time origin).
 */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU time (user + system) of this process, in microseconds. */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
