/**
 * How busy the machine was with work that is not this run: the CPU time every process used
 * (/proc/stat) minus what this process and its reaped children used (/proc/self/stat), over a
 * stretch of time. Every process a benchmark starts is a direct child, stopped and reaped
 * before the benchmark ends, so its CPU time is in the children's share by then.
 */
import { readFileSync } from "node:fs";
import { sleep } from "./clock.js";

export interface LoadSnapshot {
  readonly busyTicks: number;
  readonly totalTicks: number;
  readonly ownTicks: number;
}

export function loadSnapshot(): LoadSnapshot {
  const cpu = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  // utime, stime, cutime, cstime: fields 14-17 of stat, the 12th to 15th after the command name.
  const own = (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
  return { busyTicks: total - idle, totalTicks: total, ownTicks: own };
}

/** Percent of the machine's CPU capacity used by other processes between two snapshots. */
export function foreignPercent(a: LoadSnapshot, b: LoadSnapshot): number {
  const total = b.totalTicks - a.totalTicks;
  if (total <= 0) return 0;
  const foreign = b.busyTicks - a.busyTicks - (b.ownTicks - a.ownTicks);
  return Math.max(0, (foreign / total) * 100);
}

/** Waits (up to `maxWaitMs`) until other processes use under `percent` of the machine over 2 s. */
export async function waitQuiet(
  maxWaitMs: number,
  percent: number,
  log: (m: string) => void,
): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const a = loadSnapshot();
    await sleep(2000);
    const busy = foreignPercent(a, loadSnapshot());
    if (busy < percent || Date.now() >= deadline) return busy;
    log(`machine busy with other work (${busy.toFixed(0)} % of its CPU); waiting`);
  }
}

/** CPU time (user + system) a process has used so far, in ms (from /proc, clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
