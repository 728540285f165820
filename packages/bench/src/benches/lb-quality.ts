/**
 * 5. Load-balancing quality: ten instances (two processes of five), one ten times slower than
 * the others; the mesh client at a fixed request rate (open loop) under each algorithm, set
 * live through the Admin API, algorithms interleaved round after round. Then two fairness cases
 * of peak_ewma, with a mesh client in this process: two equal instances called one call at a
 * time (they must share), and a restarted instance among three equals (it must take its share
 * within seconds).
 */
import { credentials } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/control-plane/testing";
import { createMeshClient, type MeshClient } from "@switchboard/sdk";
import { Registry } from "prom-client";
import { sleep } from "../lib/clock.js";
import { startControlPlane } from "../lib/control-plane.js";
import { type EchoCall, EchoServiceClient, echoCall } from "../lib/echo.js";
import { markdownTable, num, withSpread } from "../lib/format.js";
import { type OpenResult, yieldToEventLoop } from "../lib/load.js";
import { silentLogger } from "../lib/silent.js";
import { rotate, type Spread, spread } from "../lib/stats.js";
import { stopAll } from "../lib/worker-process.js";
import { addressesOf, startEchoClient, startEchoServers } from "./echo-cluster.js";
import { LB_POLICIES, type LbName } from "./policies.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

const SIZES = {
  tiny: {
    rounds: 1,
    rate: 200,
    warmupMs: 200,
    durationMs: 400,
    fastMs: 2,
    slowMs: 20,
    equalMs: 400,
    restartedMs: 400,
  },
  quick: {
    rounds: 2,
    rate: 1000,
    warmupMs: 1500,
    durationMs: 4000,
    fastMs: 20,
    slowMs: 200,
    equalMs: 10_000,
    restartedMs: 5000,
  },
  full: {
    rounds: 3,
    rate: 1000,
    warmupMs: 2000,
    durationMs: 10_000,
    fastMs: 20,
    slowMs: 200,
    equalMs: 10_000,
    restartedMs: 5000,
  },
} as const;

/** Calls in flight while the restarted instance comes back. */
const RESTART_CONCURRENCY = 4;

type Params = (typeof SIZES)[keyof typeof SIZES];
const NAMES = Object.keys(LB_POLICIES) as LbName[];
const SERVICE = "lb-quality";

interface Sample {
  readonly algorithm: LbName;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly slowShare: number;
  readonly errors: number;
}

interface Summary {
  readonly algorithm: LbName;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly p999Ms: Spread;
  readonly slowSharePercent: Spread;
  /** round_robin's P99 / this one's, per round. */
  readonly p99Gain: Spread;
  readonly errors: number;
}

function summarize(samples: readonly Sample[]): Summary[] {
  const rr = samples.filter((s) => s.algorithm === "round_robin");
  return NAMES.map((algorithm) => {
    const mine = samples.filter((s) => s.algorithm === algorithm);
    return {
      algorithm,
      p50Ms: spread(mine.map((s) => s.p50Ms)),
      p99Ms: spread(mine.map((s) => s.p99Ms)),
      p999Ms: spread(mine.map((s) => s.p999Ms)),
      slowSharePercent: spread(mine.map((s) => s.slowShare * 100)),
      p99Gain: spread(mine.map((s, i) => (rr[i]?.p99Ms ?? Number.NaN) / s.p99Ms)),
      errors: mine.reduce((n, s) => n + s.errors, 0),
    };
  });
}

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const cp = await startControlPlane();
  const admin = new AdminClient(cp.address);
  const delays = [p.slowMs, ...Array.from({ length: 9 }, () => p.fastMs)];
  const servers = await startEchoServers(cp.address, SERVICE, [delays.slice(0, 5), delays.slice(5)]);
  const slow = servers[0]?.info.addresses[0] ?? "";
  let client: Awaited<ReturnType<typeof startEchoClient>> | undefined;
  try {
    await admin.setPolicy(SERVICE, { loadBalancing: LB_POLICIES.round_robin });
    client = await startEchoClient(
      { variant: "mesh", addresses: addressesOf(servers), controlPlane: cp.address, service: SERVICE },
      ctx.profileFlags,
    );
    const samples: Sample[] = [];
    for (let r = 0; r < p.rounds; r++) {
      for (const algorithm of rotate(NAMES, r)) {
        ctx.log(`lb-quality: round ${r + 1}/${p.rounds} ${algorithm}`);
        const version = await admin.setPolicy(SERVICE, {
          loadBalancing: LB_POLICIES[algorithm],
        });
        await client.call("await-version", { version });
        const o = await client.call<OpenResult>("open", {
          warmupMs: p.warmupMs,
          durationMs: p.durationMs,
          rate: p.rate,
        });
        samples.push({
          algorithm,
          p50Ms: o.latencyUs.p50 / 1000,
          p99Ms: o.latencyUs.p99 / 1000,
          p999Ms: o.latencyUs.p999 / 1000,
          slowShare: o.calls > 0 ? (o.servedBy[slow] ?? 0) / o.calls : 0,
          errors: o.errors,
        });
      }
    }
    ctx.log("lb-quality: peak_ewma, two equal instances, one call in flight");
    const busierShare = await equalInstances(cp.address, admin, p);
    ctx.log("lb-quality: peak_ewma, a restarted instance among three");
    const restartedShare = await restartedInstance(cp.address, admin, p);
    const summaries = summarize(samples);
    const header = [
      "algorithm",
      "P50 ms",
      "P99 ms",
      "P99.9 ms",
      "calls to the slow instance, %",
      "P99 gain vs round_robin",
      "errors",
    ];
    const rows = summaries.map((s) => [
      s.algorithm,
      withSpread(s.p50Ms, 2),
      withSpread(s.p99Ms, 2),
      withSpread(s.p999Ms, 2),
      withSpread(s.slowSharePercent, 2),
      s.algorithm === "round_robin" ? "—" : `${withSpread(s.p99Gain, 1)}×`,
      num(s.errors),
    ]);
    const ewma = summaries.find((s) => s.algorithm === "peak_ewma") as Summary;
    return {
      table: markdownTable(header, rows),
      targets: [
        {
          name: `peak_ewma, two equal instances at one call in flight for ${num(p.equalMs / 1000, 1)} s: split`,
          target: "within 35/65",
          value: `${num((1 - busierShare) * 100)}/${num(busierShare * 100)}`,
          met: busierShare <= 0.65,
        },
        {
          name: `peak_ewma, a restarted instance among three equals (${RESTART_CONCURRENCY} calls in flight): its share in its first ${num(p.restartedMs / 1000, 1)} s`,
          target: "≥ 20 %",
          value: `${num(restartedShare * 100, 1)} %`,
          met: restartedShare >= 0.2,
        },
        {
          name: "peak_ewma P99 vs round_robin P99",
          target: "≤ 1/5 (gain ≥ 5×)",
          value: `1/${num(ewma.p99Gain.median, 1)}`,
          met: ewma.p99Gain.median >= 5,
        },
      ],
      params: { ...p, instances: 10, serverProcesses: 2, slowInstance: slow },
      data: { samples, summaries, busierShare, restartedShare },
    };
  } finally {
    admin.close();
    await client?.stop();
    await stopAll(servers);
    await cp.stop();
  }
}

/** Keeps `concurrency` calls in flight for `durationMs`; counts the answers per instance. */
async function servedBy(
  call: EchoCall,
  concurrency: number,
  durationMs: number,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let open = true;
  const worker = async () => {
    while (open) {
      try {
        const r = await call();
        if (open) counts[r.servedBy] = (counts[r.servedBy] ?? 0) + 1;
      } catch {
        await yieldToEventLoop();
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await sleep(durationMs);
  open = false;
  await Promise.all(workers);
  return counts;
}

function shareOf(counts: Record<string, number>, address: string): number {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return total > 0 ? (counts[address] ?? 0) / total : 0;
}

/** A peak_ewma service of its own, called by a mesh client in this process. */
async function fairnessSetup(cp: string, admin: AdminClient, service: string) {
  await admin.setPolicy(service, { loadBalancing: LB_POLICIES.peak_ewma });
  const mesh = createMeshClient({ controlPlane: cp, logger: silentLogger, registry: new Registry() });
  const client = new EchoServiceClient(`mesh:///${service}`, credentials.createInsecure());
  return { mesh, client, call: echoCall(client, 5000) };
}

async function endpointsKnown(mesh: MeshClient, service: string, check: (ids: string[]) => boolean) {
  const deadline = Date.now() + 20_000;
  while (!check(mesh.endpoints(service).map((e) => e.id))) {
    if (Date.now() > deadline)
      throw new Error(`lb-quality: endpoints of ${service} not as expected after 20 s`);
    await sleep(10);
  }
}

/** Two equal instances, one call at a time: the share of the busier one. */
async function equalInstances(cp: string, admin: AdminClient, p: Params): Promise<number> {
  const service = "lb-equal";
  const servers = await startEchoServers(cp, service, [[p.fastMs, p.fastMs]]);
  const { mesh, client, call } = await fairnessSetup(cp, admin, service);
  try {
    await endpointsKnown(mesh, service, (ids) => ids.length === 2);
    await servedBy(call, 8, 500); // connections up, code warm
    const counts = await servedBy(call, 1, p.equalMs);
    return Math.max(...addressesOf(servers).map((a) => shareOf(counts, a)));
  } finally {
    client.close();
    await mesh.close();
    await stopAll(servers);
  }
}

/** Three equal instances, one restarted (a new process on a new port): its share right after. */
async function restartedInstance(cp: string, admin: AdminClient, p: Params): Promise<number> {
  const service = "lb-restart";
  const stay = await startEchoServers(cp, service, [[p.fastMs, p.fastMs]]);
  let restarted = await startEchoServers(cp, service, [[p.fastMs]]);
  const { mesh, client, call } = await fairnessSetup(cp, admin, service);
  try {
    await endpointsKnown(mesh, service, (ids) => ids.length === 3);
    await servedBy(call, RESTART_CONCURRENCY, p.restartedMs);
    const old = restarted[0]?.info.addresses[0] ?? "";
    await stopAll(restarted);
    restarted = await startEchoServers(cp, service, [[p.fastMs]]);
    const fresh = restarted[0]?.info.addresses[0] ?? "";
    await endpointsKnown(mesh, service, (ids) => ids.includes(fresh) && !ids.includes(old));
    // Its first seconds back, from the moment the mesh client knows it.
    return shareOf(await servedBy(call, RESTART_CONCURRENCY, p.restartedMs), fresh);
  } finally {
    client.close();
    await mesh.close();
    await stopAll([...stay, ...restarted]);
  }
}

export const lbQualityBench: Bench = {
  name: "lb-quality",
  title: "Load-balancing quality (one slow instance of ten)",
  run,
};
