import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FlagValues, numberFlag, parseFlags, stringFlag, UsageError } from "../common/flags.js";
import { demoPhases } from "./phases.js";

export const USAGE = `Usage: pnpm demo [-- flags]     (or: node packages/examples/dist/demo/cli.js [flags])

Starts a control plane, three user-service instances (one healthy, one 40 ms slower, one failing
20% of calls), an order service that calls them through the mesh, and load; then plays seven
phases, changing the policy through the Admin API, killing an instance, and rolling out a v2 of
the user service with a route table (10%, 50%, 100%), and shows how the mesh reacts. Ctrl-C
stops everything.

  --duration <s>     run the phases in this many seconds in all (>= 8), printing plain lines
                     instead of redrawing the live view (default: 20 s per phase, live view on a terminal)
  --json <file>      write the summary (phases, shares, failures, latencies, pids) to this file as JSON
  --rate <n>         PlaceOrder calls per second (default 150)
  --concurrency <n>  load-generator workers, each with one call in flight at most (default 12)
  --logs <dir>       directory for the processes' logs (default: a new one under the temp directory)

Environment: REDIS_URL runs the control plane on Redis (keys under the prefix "switchboard-demo")
instead of its embedded in-memory store.`;

export interface DemoCommandLine {
  /** Each phase's length, ms. */
  readonly phaseMs: number;
  /** Redraw a live view (a terminal, and no --duration); else plain lines. */
  readonly live: boolean;
  readonly jsonFile: string | undefined;
  readonly ratePerSecond: number;
  readonly concurrency: number;
  readonly logDir: string | undefined;
}

/** Live mode: each phase lasts this long. */
export const LIVE_PHASE_MS = 20_000;
export const PHASE_COUNT = demoPhases(LIVE_PHASE_MS).length;

function durationMs(flags: FlagValues): number | undefined {
  if (flags.duration === undefined) return undefined;
  return numberFlag(flags, "duration", 0, { min: 8, max: 3600 }) * 1000;
}

/** Parses the demo's flags; a bad one is a UsageError naming it. */
export function parseDemoCommandLine(argv: readonly string[], isTty: boolean): DemoCommandLine {
  const flags = parseFlags(argv, ["duration", "json", "rate", "concurrency", "logs"]);
  const total = durationMs(flags);
  const json = flags.json;
  if (json === "") throw new UsageError("--json needs a file name");
  return {
    phaseMs: total === undefined ? LIVE_PHASE_MS : total / PHASE_COUNT,
    live: total === undefined && isTty,
    jsonFile: typeof json === "string" ? json : undefined,
    ratePerSecond: numberFlag(flags, "rate", 150, { min: 1, max: 5000 }),
    // A dozen workers is ample headroom at a few ms per call; more would only queue inside the
    // order service on a busy machine, and that queueing blurs the latency gap peak_ewma acts on.
    concurrency: numberFlag(flags, "concurrency", 12, { min: 1, max: 1000, integer: true }),
    logDir: flags.logs === undefined ? undefined : stringFlag(flags, "logs", ""),
  };
}

/** A fresh directory name for this run's logs. */
export function defaultLogDir(): string {
  return join(tmpdir(), `switchboard-demo-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
}
