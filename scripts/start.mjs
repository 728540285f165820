#!/usr/bin/env node
/**
 * `pnpm start [-- flags]`: builds, then runs the control plane, and makes signals reach it.
 *
 * pnpm forwards no signal to a script: `kill -TERM <pnpm>` ends pnpm alone and `kill -INT` does
 * nothing, leaving the control plane running. So this launcher
 * - runs the control plane in a process group of its own and forwards SIGTERM, SIGINT and SIGHUP
 *   to it once each (Ctrl-C in a terminal reaches this launcher and pnpm, not the control plane
 *   twice, which would mean "stop at once");
 * - watches the processes that started it (the shell pnpm runs scripts in, and pnpm): when one
 *   of them is gone, it sends the control plane SIGTERM;
 * - exits with the control plane's exit code.
 * Under a process supervisor, run the bin itself instead (docs/operating.md says why).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "packages/control-plane/dist/bin/switchboard-control-plane.js");
const WATCH_INTERVAL_MS = 200;

/** The parent of `pid` and whether `pid` still runs (a zombie does not); Linux /proc. */
function processInfo(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { running: fields[0] !== "Z", parent: Number(fields[1]) };
  } catch {
    return { running: false, parent: 0 };
  }
}

function ancestors() {
  const parent = process.ppid;
  const grandparent = processInfo(parent).parent;
  return [parent, grandparent].filter((pid) => pid > 1);
}

const watched = ancestors();
const build = spawnSync("pnpm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const child = spawn(process.execPath, [BIN, ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
  detached: true,
});
const forwarded = new Set();
const forward = (signal) => {
  if (forwarded.has(signal) || child.exitCode !== null) return;
  forwarded.add(signal);
  child.kill(signal);
};
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => forward(signal));

const watch = setInterval(() => {
  if (watched.some((pid) => !processInfo(pid).running)) forward("SIGTERM");
}, WATCH_INTERVAL_MS);

child.on("exit", (code, signal) => {
  clearInterval(watch);
  process.exit(code ?? (signal ? 128 : 1));
});
