/**
 * 2. Control-plane fan-out: N raw Discovery Watch streams (from several load processes, many
 * streams per connection) on one control-plane process backed by Redis; one endpoint change at
 * a time, timed until the last subscriber has it; the control plane's RSS per subscriber.
 */
import { launchRedis, type RedisServerHandle, Registrar } from "@switchboard/control-plane/testing";
import { sleep, wallMs } from "../lib/clock.js";
import { startControlPlane } from "../lib/control-plane.js";
import { markdownTable, num, verdict, withSpread } from "../lib/format.js";
import { cpuMsOf } from "../lib/machine-load.js";
import { median, quantile, spread } from "../lib/stats.js";
import { stopAll, WorkerProcess } from "../lib/worker-process.js";
import type { ArrivalReport, WatchLoadSetup } from "../workers/watch-load.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

interface Params {
  readonly sizes: readonly number[];
  readonly rounds: number;
  readonly changes: number;
  /** Changes made first and not counted: the load processes' decode-and-ack path (and the
   * control plane's push path) are compiled by V8 over the first changes, which are slower. */
  readonly warmupChanges: number;
  readonly loadProcesses: number;
  readonly streamsPerConnection: number;
  readonly endpoints: number;
  /** Pause before each RSS reading, ms. */
  readonly settleMs: number;
}

const SIZES = {
  tiny: {
    sizes: [40, 120],
    rounds: 1,
    changes: 3,
    warmupChanges: 1,
    loadProcesses: 2,
    streamsPerConnection: 20,
    endpoints: 3,
    settleMs: 200,
  },
  quick: {
    sizes: [1000, 10000],
    rounds: 1,
    changes: 12,
    warmupChanges: 10,
    loadProcesses: 4,
    streamsPerConnection: 250,
    endpoints: 10,
    settleMs: 1000,
  },
  full: {
    sizes: [1000, 10000],
    rounds: 3,
    changes: 20,
    warmupChanges: 10,
    loadProcesses: 4,
    streamsPerConnection: 250,
    endpoints: 10,
    settleMs: 1000,
  },
} as const satisfies Record<string, Params>;

/** Targets by subscriber count: P99 ms. */
const P99_TARGET_MS: Readonly<Record<number, number>> = { 1000: 100, 10000: 500 };
const RSS_TARGET_KB = 400;
const SERVICE = "fanout";

interface Phase {
  readonly subscribers: number;
  /** Until the last subscriber had it, per change, ms. */
  readonly lastMs: readonly number[];
  readonly medianMs: readonly number[];
  /** Until the Register / Deregister call returned, and until the first subscriber had it, ms. */
  readonly writtenMs: readonly number[];
  readonly firstMs: readonly number[];
  /** Control-plane CPU time from the change until the last subscriber had it, ms (10 ms ticks). */
  readonly cpCpuMs: readonly number[];
  readonly rssPerSubscriberKb: number;
  readonly baselineRssMb: number;
}

type WatchLoad = WorkerProcess<{ pid: number; version: number }>;

async function startLoad(address: string, p: Params, size: number): Promise<WatchLoad[]> {
  const per = Math.ceil(size / p.loadProcesses);
  const setups: WatchLoadSetup[] = [];
  for (let i = 0, left = size; left > 0; i++, left -= per) {
    const streams = Math.min(per, left);
    const connections = Math.max(1, Math.ceil(streams / p.streamsPerConnection));
    setups.push({ controlPlane: address, service: SERVICE, streams, connections, label: `w${i}` });
  }
  return Promise.all(
    setups.map((s) =>
      WorkerProcess.start<{ pid: number; version: number }>("watch-load", s, { readyTimeoutMs: 180_000 }),
    ),
  );
}

async function oneChange(load: readonly WatchLoad[], cpPid: number, change: () => Promise<unknown>) {
  await Promise.all(load.map((w) => w.call("expect")));
  const cpu0 = cpuMsOf(cpPid);
  const t0 = wallMs();
  await change();
  const writtenMs = wallMs() - t0;
  const reports = await Promise.all(load.map((w) => w.call<ArrivalReport>("arrived", { timeoutMs: 30_000 })));
  return {
    writtenMs,
    firstMs: Math.min(...reports.map((r) => r.firstAtMs)) - t0,
    lastMs: Math.max(...reports.map((r) => r.lastAtMs)) - t0,
    medianMs: median(reports.map((r) => r.medianAtMs)) - t0,
    cpCpuMs: cpuMsOf(cpPid) - cpu0,
  };
}

async function phase(
  ctx: BenchContext,
  redis: RedisServerHandle,
  p: Params,
  size: number,
  tag: string,
): Promise<Phase> {
  const cp = await startControlPlane({
    redisUrl: redis.url,
    redisKeyPrefix: `fanout-${tag}`,
    nodeFlags: ctx.profileFlags,
    // The load processes stand in for many SDK processes by multiplexing streams on a few
    // connections; a real SDK holds one Discovery stream per connection.
    args: ["--max-watch-streams-per-connection", String(p.streamsPerConnection)],
  });
  const reg = new Registrar(cp.address);
  let load: WatchLoad[] = [];
  try {
    for (let i = 0; i < p.endpoints; i++)
      await reg.register({ service: SERVICE, host: "10.9.0.1", port: 9000 + i });
    await sleep(p.settleMs);
    const baseline = cp.child.rssBytes() ?? Number.NaN;
    ctx.log(`fanout: ${size} subscribers (${tag})`);
    load = await startLoad(cp.address, p, size);
    await sleep(p.settleMs);
    const rssPerSubscriberKb = ((cp.child.rssBytes() ?? Number.NaN) - baseline) / size / 1024;
    const lastMs: number[] = [];
    const medianMs: number[] = [];
    const writtenMs: number[] = [];
    const firstMs: number[] = [];
    const cpCpuMs: number[] = [];
    let lease = "";
    for (let c = 0; c < p.warmupChanges + p.changes; c++) {
      const r = await oneChange(load, cp.pid, async () => {
        if (lease === "")
          lease = (await reg.register({ service: SERVICE, host: "10.9.0.2", port: 9999 })).leaseId;
        else {
          await reg.deregister(lease);
          lease = "";
        }
      });
      await sleep(100);
      if (c < p.warmupChanges) continue;
      lastMs.push(r.lastMs);
      medianMs.push(r.medianMs);
      writtenMs.push(r.writtenMs);
      firstMs.push(r.firstMs);
      cpCpuMs.push(r.cpCpuMs);
    }
    return {
      subscribers: size,
      lastMs,
      medianMs,
      writtenMs,
      cpCpuMs,
      firstMs,
      rssPerSubscriberKb,
      baselineRssMb: baseline / 2 ** 20,
    };
  } finally {
    reg.close();
    await stopAll(load);
    await cp.stop();
  }
}

function render(p: Params, phases: readonly Phase[]) {
  const rows: string[][] = [];
  const targets = [];
  for (const size of p.sizes) {
    const mine = phases.filter((ph) => ph.subscribers === size);
    const last = mine.flatMap((ph) => ph.lastMs);
    const med = mine.flatMap((ph) => ph.medianMs);
    const written = mine.flatMap((ph) => ph.writtenMs);
    const first = mine.flatMap((ph) => ph.firstMs);
    const cpCpu = mine.flatMap((ph) => ph.cpCpuMs);
    const rss = spread(mine.map((ph) => ph.rssPerSubscriberKb));
    const p99 = quantile(last, 0.99);
    const target = P99_TARGET_MS[size];
    rows.push([
      num(size),
      num(last.length),
      num(quantile(written, 0.5), 1),
      num(quantile(first, 0.5), 1),
      num(quantile(med, 0.5), 1),
      num(quantile(last, 0.5), 1),
      num(p99, 1),
      num(Math.max(...last), 1),
      num(quantile(cpCpu, 0.5)),
      withSpread(rss, 1),
      target === undefined ? "—" : `${verdict(p99 <= target)} (≤ ${target} ms)`,
    ]);
    if (target !== undefined) {
      targets.push({
        name: `P99 at ${num(size)} subscribers`,
        target: `≤ ${target} ms`,
        value: `${num(p99, 1)} ms`,
        met: p99 <= target,
      });
    }
    targets.push({
      name: `RSS per subscriber at ${num(size)}`,
      target: `≤ ${RSS_TARGET_KB} KB`,
      value: `${num(rss.median, 1)} KB`,
      met: rss.median <= RSS_TARGET_KB,
    });
  }
  const header = [
    "subscribers",
    "changes",
    "change written, P50 ms",
    "first subscriber, P50 ms",
    "median subscriber, P50 ms",
    "last subscriber, P50 ms",
    "last subscriber, P99 ms",
    "last subscriber, max ms",
    "CP CPU per change, P50 ms",
    "CP RSS per subscriber, KB",
    "P99 target",
  ];
  return { table: markdownTable(header, rows), targets };
}

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const redis = await launchRedis();
  const phases: Phase[] = [];
  try {
    for (let r = 0; r < p.rounds; r++) {
      for (const size of r % 2 === 0 ? p.sizes : [...p.sizes].reverse()) {
        phases.push(await phase(ctx, redis, p, size, `${r}-${size}`));
      }
    }
  } finally {
    await redis.stop();
  }
  const { table, targets } = render(p, phases);
  return {
    table,
    targets,
    params: { ...p, store: "redis", controlPlaneProcesses: 1 },
    data: { phases },
  };
}

export const fanoutBench: Bench = { name: "fanout", title: "Control-plane fan-out", run };
