/**
 * One fan-out case: `replicas` control-plane processes on one Redis, `subscribers` streams
 * (Discovery Watch or xDS ADS) opened by several load processes and spread evenly over the
 * replicas; one endpoint change at a time, timed until the last subscriber has it, with the
 * CPU the replicas and redis-server spent on it and the replicas' RSS per subscriber.
 */
import {
  type ControlPlaneProcess,
  type RedisServerHandle,
  Registrar,
} from "@switchboard/control-plane/testing";
import { sleep, wallMs } from "../lib/clock.js";
import { startControlPlane } from "../lib/control-plane.js";
import { cpuMsOf } from "../lib/machine-load.js";
import { RedisCpu } from "../lib/redis-cpu.js";
import { median } from "../lib/stats.js";
import { stopAll, WorkerProcess } from "../lib/worker-process.js";
import type { ArrivalReport } from "../workers/arrivals.js";
import type { SubscriberLoadSetup } from "../workers/watch-load.js";
import type { BenchContext } from "./types.js";

/** native: switchboard.v1.Discovery Watch streams, as the SDK opens; xds: ADS streams, as a
 * proxyless gRPC client of xds:/// opens. */
export type FanoutProtocol = "native" | "xds";

export interface FanoutCase {
  readonly protocol: FanoutProtocol;
  readonly subscribers: number;
  readonly replicas: number;
}

export interface FanoutParams {
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

export interface Phase extends FanoutCase {
  /** Until the last subscriber had it, per change, ms. */
  readonly lastMs: readonly number[];
  readonly medianMs: readonly number[];
  /** Until the Register / Deregister call returned, and until the first subscriber had it, ms. */
  readonly writtenMs: readonly number[];
  readonly firstMs: readonly number[];
  /** CPU time of every replica together from the change until the last subscriber had it, ms
   * (10 ms ticks). */
  readonly cpCpuMs: readonly number[];
  /** redis-server's CPU time over the same span (INFO cpu), ms. */
  readonly redisCpuMs: readonly number[];
  readonly rssPerSubscriberKb: number;
  readonly baselineRssMb: number;
}

const SERVICE = "fanout";
const ROLE: Readonly<Record<FanoutProtocol, string>> = { native: "watch-load", xds: "ads-load" };

type SubscriberLoad = WorkerProcess<{ pid: number; version: number }>;

/** Connections per load process: a multiple of the replicas, so each replica gets its share. */
function connectionsFor(streams: number, p: FanoutParams, replicas: number): number {
  const needed = Math.max(1, Math.ceil(streams / p.streamsPerConnection));
  return Math.ceil(needed / replicas) * replicas;
}

async function startLoad(
  replicas: readonly ControlPlaneProcess[],
  p: FanoutParams,
  c: FanoutCase,
): Promise<SubscriberLoad[]> {
  const per = Math.ceil(c.subscribers / p.loadProcesses);
  const setups: SubscriberLoadSetup[] = [];
  for (let i = 0, left = c.subscribers; left > 0; i++, left -= per) {
    const streams = Math.min(per, left);
    setups.push({
      controlPlanes: replicas.map((r) => r.address),
      service: SERVICE,
      streams,
      connections: connectionsFor(streams, p, c.replicas),
      label: `w${i}`,
    });
  }
  return Promise.all(
    setups.map((s) =>
      WorkerProcess.start<{ pid: number; version: number }>(ROLE[c.protocol], s, { readyTimeoutMs: 180_000 }),
    ),
  );
}

function cpuOfAll(replicas: readonly ControlPlaneProcess[]): number {
  return replicas.reduce((sum, r) => sum + cpuMsOf(r.pid), 0);
}

function rssOfAll(replicas: readonly ControlPlaneProcess[]): number {
  return replicas.reduce((sum, r) => sum + (r.child.rssBytes() ?? Number.NaN), 0);
}

async function oneChange(
  load: readonly SubscriberLoad[],
  replicas: readonly ControlPlaneProcess[],
  redisCpu: RedisCpu,
  change: () => Promise<unknown>,
) {
  await Promise.all(load.map((w) => w.call("expect")));
  const redis0 = await redisCpu.cpuSeconds();
  const cpu0 = cpuOfAll(replicas);
  const t0 = wallMs();
  await change();
  const writtenMs = wallMs() - t0;
  const reports = await Promise.all(load.map((w) => w.call<ArrivalReport>("arrived", { timeoutMs: 60_000 })));
  const cpCpuMs = cpuOfAll(replicas) - cpu0;
  const redisCpuMs = ((await redisCpu.cpuSeconds()) - redis0) * 1000;
  return {
    writtenMs,
    firstMs: Math.min(...reports.map((r) => r.firstAtMs)) - t0,
    lastMs: Math.max(...reports.map((r) => r.lastAtMs)) - t0,
    medianMs: median(reports.map((r) => r.medianAtMs)) - t0,
    cpCpuMs,
    redisCpuMs,
  };
}

function startReplicas(
  ctx: BenchContext,
  redis: RedisServerHandle,
  p: FanoutParams,
  c: FanoutCase,
  tag: string,
) {
  return Promise.all(
    Array.from({ length: c.replicas }, (_, i) =>
      startControlPlane({
        redisUrl: redis.url,
        redisKeyPrefix: `fanout-${tag}`,
        replicaId: `replica-${i}`,
        nodeFlags: ctx.profileFlags,
        // The load processes stand in for many SDK processes by multiplexing streams on a few
        // connections from one address; a real SDK holds one Discovery stream per connection.
        args: [
          "--max-watch-streams-per-connection",
          String(p.streamsPerConnection),
          "--max-watch-streams-per-peer",
          String(c.subscribers),
        ],
      }),
    ),
  );
}

/** Runs one case on fresh control-plane processes (a key prefix of its own on `redis`). */
export async function runCase(
  ctx: BenchContext,
  redis: RedisServerHandle,
  p: FanoutParams,
  c: FanoutCase,
  tag: string,
): Promise<Phase> {
  const replicas = await startReplicas(ctx, redis, p, c, tag);
  const first = replicas[0] as ControlPlaneProcess;
  const reg = new Registrar(first.address);
  const redisCpu = await RedisCpu.connect(redis.port);
  let load: SubscriberLoad[] = [];
  try {
    for (let i = 0; i < p.endpoints; i++)
      await reg.register({ service: SERVICE, host: "10.9.0.1", port: 9000 + i });
    await sleep(p.settleMs);
    const baseline = rssOfAll(replicas);
    ctx.log(`${c.protocol} fan-out: ${c.subscribers} subscribers on ${c.replicas} replica(s) (${tag})`);
    load = await startLoad(replicas, p, c);
    await sleep(p.settleMs);
    const rssPerSubscriberKb = (rssOfAll(replicas) - baseline) / c.subscribers / 1024;
    const series = { lastMs: [], medianMs: [], writtenMs: [], firstMs: [], cpCpuMs: [], redisCpuMs: [] } as {
      [K in "lastMs" | "medianMs" | "writtenMs" | "firstMs" | "cpCpuMs" | "redisCpuMs"]: number[];
    };
    let lease = "";
    for (let n = 0; n < p.warmupChanges + p.changes; n++) {
      const r = await oneChange(load, replicas, redisCpu, async () => {
        if (lease === "")
          lease = (await reg.register({ service: SERVICE, host: "10.9.0.2", port: 9999 })).leaseId;
        else {
          await reg.deregister(lease);
          lease = "";
        }
      });
      await sleep(100);
      if (n < p.warmupChanges) continue;
      for (const k of Object.keys(series) as (keyof typeof series)[]) series[k].push(r[k]);
    }
    return { ...c, ...series, rssPerSubscriberKb, baselineRssMb: baseline / 2 ** 20 };
  } finally {
    redisCpu.close();
    reg.close();
    await stopAll(load);
    await Promise.all(replicas.map((r) => r.stop()));
  }
}
