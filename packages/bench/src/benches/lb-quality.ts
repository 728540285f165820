/**
 * 5. Load-balancing quality: ten instances (two processes of five), one ten times slower than
 * the others; the mesh client at a fixed request rate (open loop) under each algorithm, set
 * live through the Admin API, algorithms interleaved round after round.
 */
import { Admin } from "../lib/admin.js";
import { startControlPlaneProcess } from "../lib/control-plane-process.js";
import { markdownTable, num, withSpread } from "../lib/format.js";
import type { OpenResult } from "../lib/load.js";
import { rotate, type Spread, spread } from "../lib/stats.js";
import { stopAll } from "../lib/worker-process.js";
import { addressesOf, startEchoClient, startEchoServers } from "./echo-cluster.js";
import { LB_POLICIES, type LbName } from "./policies.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

const SIZES = {
  tiny: { rounds: 1, rate: 200, warmupMs: 200, durationMs: 400, fastMs: 2, slowMs: 20 },
  quick: { rounds: 2, rate: 1000, warmupMs: 1500, durationMs: 4000, fastMs: 20, slowMs: 200 },
  full: { rounds: 3, rate: 1000, warmupMs: 2000, durationMs: 10_000, fastMs: 20, slowMs: 200 },
} as const;

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
  const cp = await startControlPlaneProcess();
  const admin = new Admin(cp.address);
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
          name: "peak_ewma P99 vs round_robin P99",
          target: "≤ 1/5 (gain ≥ 5×)",
          value: `1/${num(ewma.p99Gain.median, 1)}`,
          met: ewma.p99Gain.median >= 5,
        },
      ],
      params: { ...p, instances: 10, serverProcesses: 2, slowInstance: slow },
      data: { samples, summaries },
    };
  } finally {
    admin.close();
    await client?.stop();
    await stopAll(servers);
    await cp.stop();
  }
}

export const lbQualityBench: Bench = {
  name: "lb-quality",
  title: "Load-balancing quality (one slow instance of ten)",
  run,
};
