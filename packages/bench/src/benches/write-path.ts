/**
 * 3. Write path: lease renewals (KeepAlive) and registrations per second on one control-plane
 * process backed by a real redis-server, driven by several load processes; the two kinds of
 * run interleaved, round after round.
 */
import { launchRedis } from "@switchboard/control-plane/testing";
import { startControlPlane } from "../lib/control-plane.js";
import { markdownTable, num, withSpread } from "../lib/format.js";
import { Histogram } from "../lib/histogram.js";
import { cpuMsOf } from "../lib/machine-load.js";
import { rotate, type Spread, spread } from "../lib/stats.js";
import { stopAll, WorkerProcess } from "../lib/worker-process.js";
import type { WriteLoadSetup, WriteRunArgs, WriteRunResult } from "../workers/write-load.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

type Mode = WriteRunArgs["mode"];

interface Params {
  readonly rounds: number;
  readonly durationMs: number;
  readonly loadProcesses: number;
  readonly connectionsPerProcess: number;
  readonly leasesPerProcess: number;
  readonly keepAliveStreamsPerProcess: number;
  /** Renewals in flight per KeepAlive stream. */
  readonly keepAliveWindow: number;
  /** Register calls in flight per load process. */
  readonly registerConcurrency: number;
  readonly registerPool: number;
}

const SIZES = {
  tiny: {
    rounds: 1,
    durationMs: 500,
    loadProcesses: 2,
    connectionsPerProcess: 1,
    leasesPerProcess: 100,
    keepAliveStreamsPerProcess: 2,
    keepAliveWindow: 4,
    registerConcurrency: 4,
    registerPool: 100,
  },
  quick: {
    rounds: 2,
    durationMs: 3000,
    loadProcesses: 2,
    connectionsPerProcess: 4,
    leasesPerProcess: 2000,
    keepAliveStreamsPerProcess: 64,
    keepAliveWindow: 8,
    registerConcurrency: 64,
    registerPool: 2000,
  },
  full: {
    rounds: 4,
    durationMs: 5000,
    loadProcesses: 2,
    connectionsPerProcess: 4,
    leasesPerProcess: 5000,
    keepAliveStreamsPerProcess: 64,
    keepAliveWindow: 8,
    registerConcurrency: 64,
    registerPool: 5000,
  },
} as const satisfies Record<string, Params>;

const KEEPALIVE_TARGET = 20_000;

interface RunSample {
  readonly mode: Mode;
  readonly opsPerSec: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU used over the run, as a share of one core. */
  readonly controlPlaneCpu: number;
  readonly redisCpu: number;
  /** Control-plane CPU time per operation, µs. */
  readonly controlPlaneUsPerOp: number;
}

type WriteLoad = WorkerProcess<{ pid: number; leases: number }>;

async function oneRun(
  load: readonly WriteLoad[],
  p: Params,
  mode: Mode,
  pids: { cp: number; redis: number },
): Promise<RunSample> {
  const window = mode === "keepalive" ? p.keepAliveWindow : p.registerConcurrency;
  const args: WriteRunArgs = { mode, durationMs: p.durationMs, window };
  const cp0 = cpuMsOf(pids.cp);
  const redis0 = pids.redis > 0 ? cpuMsOf(pids.redis) : 0;
  const results = await Promise.all(load.map((w) => w.call<WriteRunResult>("run", args)));
  const cpuShare = (ms: number) => ms / p.durationMs;
  const h = new Histogram();
  for (const r of results) h.merge(r.histogram, r.maxUs);
  const ops = results.reduce((n, r) => n + r.ops, 0);
  const cpMs = cpuMsOf(pids.cp) - cp0;
  return {
    mode,
    opsPerSec: (ops / p.durationMs) * 1000,
    errors: results.reduce((n, r) => n + r.errors, 0),
    p50Ms: h.quantile(0.5) / 1000,
    p99Ms: h.quantile(0.99) / 1000,
    controlPlaneCpu: cpuShare(cpMs),
    controlPlaneUsPerOp: ops > 0 ? (cpMs * 1000) / ops : Number.NaN,
    redisCpu: pids.redis > 0 ? cpuShare(cpuMsOf(pids.redis) - redis0) : Number.NaN,
  };
}

interface ModeSummary {
  readonly mode: Mode;
  readonly opsPerSec: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly controlPlaneCpu: Spread;
  readonly redisCpu: Spread;
  readonly controlPlaneUsPerOp: Spread;
  readonly errors: number;
}

function summarize(samples: readonly RunSample[], mode: Mode): ModeSummary {
  const mine = samples.filter((s) => s.mode === mode);
  return {
    mode,
    opsPerSec: spread(mine.map((s) => s.opsPerSec)),
    p50Ms: spread(mine.map((s) => s.p50Ms)),
    p99Ms: spread(mine.map((s) => s.p99Ms)),
    controlPlaneCpu: spread(mine.map((s) => s.controlPlaneCpu * 100)),
    redisCpu: spread(mine.map((s) => s.redisCpu * 100)),
    controlPlaneUsPerOp: spread(mine.map((s) => s.controlPlaneUsPerOp)),
    errors: mine.reduce((n, s) => n + s.errors, 0),
  };
}

const LABELS: Readonly<Record<Mode, string>> = {
  keepalive: "keep-alives (lease renewals)",
  register: "registrations",
};

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const redis = await launchRedis();
  const cp = await startControlPlane({
    redisUrl: redis.url,
    redisKeyPrefix: redis.keyPrefix,
    nodeFlags: ctx.profileFlags,
  });
  let load: WriteLoad[] = [];
  try {
    const setups: WriteLoadSetup[] = Array.from({ length: p.loadProcesses }, (_, index) => ({
      controlPlane: cp.address,
      index,
      leases: p.leasesPerProcess,
      keepAliveStreams: p.keepAliveStreamsPerProcess,
      connections: p.connectionsPerProcess,
      registerPool: p.registerPool,
    }));
    load = await Promise.all(
      setups.map((s) => WorkerProcess.start<{ pid: number; leases: number }>("write-load", s)),
    );
    const pids = { cp: cp.pid, redis: redis.pid ?? -1 };
    const samples: RunSample[] = [];
    for (let r = 0; r < p.rounds; r++) {
      for (const mode of rotate<Mode>(["keepalive", "register"], r)) {
        ctx.log(`write-path: round ${r + 1}/${p.rounds} ${mode}`);
        samples.push(await oneRun(load, p, mode, pids));
      }
    }
    const summaries = (["keepalive", "register"] as const).map((m) => summarize(samples, m));
    const header = [
      "operation",
      "per second",
      "P50 ms",
      "P99 ms",
      "control-plane CPU %",
      "control-plane CPU µs per op",
      "redis-server CPU %",
      "errors",
    ];
    const rows = summaries.map((s) => [
      LABELS[s.mode],
      withSpread(s.opsPerSec),
      withSpread(s.p50Ms, 2),
      withSpread(s.p99Ms, 2),
      withSpread(s.controlPlaneCpu),
      withSpread(s.controlPlaneUsPerOp),
      withSpread(s.redisCpu),
      num(s.errors),
    ]);
    const ka = summaries[0] as ModeSummary;
    return {
      table: markdownTable(header, rows),
      targets: [
        {
          name: "keep-alives per second, one control-plane process",
          target: `≥ ${num(KEEPALIVE_TARGET)}/s`,
          value: `${num(ka.opsPerSec.median)}/s`,
          met: ka.opsPerSec.median >= KEEPALIVE_TARGET,
        },
      ],
      params: { ...p, store: "redis", controlPlaneProcesses: 1 },
      data: { samples, summaries },
    };
  } finally {
    await stopAll(load);
    await cp.stop();
    await redis.stop();
  }
}

export const writePathBench: Bench = { name: "write-path", title: "Write path (Redis)", run };
