/**
 * 1. Data-path overhead: the same echo service called through four client stacks, each in its
 * own process, one at a time, rounds interleaved; ratios to the raw grpc-js client per round.
 */
import { Admin } from "../lib/admin.js";
import { startControlPlaneProcess } from "../lib/control-plane-process.js";
import { markdownTable, num, signed, signedSpread, withSpread } from "../lib/format.js";
import type { ClosedResult, OpenResult } from "../lib/load.js";
import { rotate, type Spread, spread } from "../lib/stats.js";
import { stopAll } from "../lib/worker-process.js";
import type { ClientVariant } from "../workers/echo-client.js";
import {
  pairedCpuRatio,
  ROUTE_TABLE,
  ROUTED_METADATA,
  ROUTED_SERVICE,
  routeCaseReport,
} from "./data-path-routes.js";
import { addressesOf, type EchoClientProcess, startEchoClient, startEchoServers } from "./echo-cluster.js";
import { DATA_PATH_POLICY } from "./policies.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

/** The service with the policy of (c), and one left at the default policy (round_robin only). */
const SERVICE = "echo";
const PLAIN_SERVICE = "echo-plain";

type VariantKey = ClientVariant | "mesh_plain" | "mesh_routes";

interface Variant {
  readonly id: VariantKey;
  readonly client: ClientVariant;
  readonly service: string;
  readonly label: string;
}

const VARIANTS: readonly Variant[] = [
  { id: "raw", client: "raw", service: SERVICE, label: "(a) grpc-js, one address" },
  {
    id: "round_robin",
    client: "round_robin",
    service: SERVICE,
    label: "(b) grpc-js round_robin, 3 addresses",
  },
  {
    id: "mesh",
    client: "mesh",
    service: SERVICE,
    label: "(c) Switchboard mesh:///, peak_ewma + breaker + retries + metrics",
  },
  // Right after (c), so the two run back to back in every round and share the machine's load.
  {
    id: "mesh_routes",
    client: "mesh",
    service: ROUTED_SERVICE,
    label: "(c1) as (c), plus a route table: header rule, method rule, 90/10 split",
  },
  {
    id: "cockatiel",
    client: "cockatiel",
    service: SERVICE,
    label: "(d) grpc-js round_robin + cockatiel retry + breaker",
  },
  {
    id: "mesh_plain",
    client: "mesh",
    service: PLAIN_SERVICE,
    label: "(c0) Switchboard mesh:///, default policy (round_robin, no breaker, no retries), metrics",
  },
];

interface Params {
  readonly rounds: number;
  readonly concurrency: number;
  readonly rate: number;
  readonly warmupMs: number;
  readonly throughputMs: number;
  readonly latencyMs: number;
}

const SIZES = {
  tiny: { rounds: 1, concurrency: 16, rate: 300, warmupMs: 100, throughputMs: 250, latencyMs: 300 },
  quick: { rounds: 3, concurrency: 64, rate: 1000, warmupMs: 500, throughputMs: 1500, latencyMs: 2000 },
  full: { rounds: 5, concurrency: 64, rate: 1000, warmupMs: 1000, throughputMs: 3000, latencyMs: 4000 },
} as const satisfies Record<string, Params>;

interface RoundSample {
  readonly throughput: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly cpuMsPer1k: number;
  readonly errors: number;
}

interface VariantSummary {
  readonly variant: VariantKey;
  readonly label: string;
  readonly throughput: Spread;
  readonly throughputRatio: Spread;
  readonly p50Us: Spread;
  readonly p99Us: Spread;
  readonly p50DeltaUs: Spread;
  readonly cpuMsPer1k: Spread;
  readonly cpuRatio: Spread;
  readonly errors: number;
}

async function runRound(clients: Map<VariantKey, EchoClientProcess>, p: Params, round: number) {
  const samples = new Map<VariantKey, { closed?: ClosedResult; open?: OpenResult }>();
  const order = rotate(VARIANTS, round);
  for (const v of order) {
    const client = clients.get(v.id) as EchoClientProcess;
    const closed = await client.call<ClosedResult>("closed", {
      warmupMs: p.warmupMs,
      durationMs: p.throughputMs,
      concurrency: p.concurrency,
    });
    samples.set(v.id, { closed });
  }
  for (const v of order) {
    const client = clients.get(v.id) as EchoClientProcess;
    const open = await client.call<OpenResult>("open", {
      warmupMs: p.warmupMs,
      durationMs: p.latencyMs,
      rate: p.rate,
    });
    const s = samples.get(v.id);
    if (s) s.open = open;
  }
  const out = new Map<VariantKey, RoundSample>();
  for (const [id, s] of samples) {
    const closed = s.closed as ClosedResult;
    const open = s.open as OpenResult;
    out.set(id, {
      throughput: (closed.calls / closed.elapsedMs) * 1000,
      p50Us: open.latencyUs.p50,
      p99Us: open.latencyUs.p99,
      cpuMsPer1k: open.calls > 0 ? open.cpuUs / open.calls : Number.NaN,
      errors: closed.errors + open.errors,
    });
  }
  return out;
}

function summarizeVariants(rounds: readonly Map<VariantKey, RoundSample>[]): VariantSummary[] {
  return VARIANTS.map(({ id, label }) => {
    const mine = rounds.map((r) => r.get(id) as RoundSample);
    const base = rounds.map((r) => r.get("raw") as RoundSample);
    return {
      variant: id,
      label,
      throughput: spread(mine.map((s) => s.throughput)),
      throughputRatio: spread(mine.map((s, i) => s.throughput / (base[i]?.throughput ?? Number.NaN))),
      p50Us: spread(mine.map((s) => s.p50Us)),
      p99Us: spread(mine.map((s) => s.p99Us)),
      p50DeltaUs: spread(mine.map((s, i) => s.p50Us - (base[i]?.p50Us ?? Number.NaN))),
      cpuMsPer1k: spread(mine.map((s) => s.cpuMsPer1k)),
      cpuRatio: spread(mine.map((s, i) => s.cpuMsPer1k / (base[i]?.cpuMsPer1k ?? Number.NaN))),
      errors: mine.reduce((n, s) => n + s.errors, 0),
    };
  });
}

function render(summary: readonly VariantSummary[], p: Params): string {
  const header = [
    "client",
    `calls/s at ${p.concurrency} in flight`,
    "× (a)",
    `P50 µs at ${num(p.rate)}/s`,
    "ΔP50 vs (a) µs",
    "P99 µs",
    "CPU ms per 1k calls",
    "CPU × (a)",
    "failed calls",
  ];
  const rows = summary.map((s) => [
    s.label,
    withSpread(s.throughput),
    withSpread(s.throughputRatio, 3),
    withSpread(s.p50Us),
    s.variant === "raw" ? "—" : signedSpread(s.p50DeltaUs),
    withSpread(s.p99Us),
    withSpread(s.cpuMsPer1k, 1),
    withSpread(s.cpuRatio, 2),
    num(s.errors),
  ]);
  return markdownTable(header, rows);
}

/** The route case's CPU per call over (c)'s, the two measured in alternating slices. */
function routeRound(clients: Map<VariantKey, EchoClientProcess>, p: Params): Promise<number> {
  const plain = clients.get("mesh") as EchoClientProcess;
  const routed = clients.get("mesh_routes") as EchoClientProcess;
  return pairedCpuRatio(plain, routed, { rate: p.rate, sliceMs: p.latencyMs / 4 });
}

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const cp = await startControlPlaneProcess();
  const admin = new Admin(cp.address);
  const servers = await startEchoServers(cp.address, SERVICE, [[0], [0], [0]]);
  const plainServers = await startEchoServers(cp.address, PLAIN_SERVICE, [[0], [0], [0]]);
  const routedServers = await startEchoServers(
    cp.address,
    ROUTED_SERVICE,
    [[0], [0], [0]],
    2000,
    ROUTED_METADATA,
  );
  const clients = new Map<VariantKey, EchoClientProcess>();
  try {
    await admin.setPolicy(SERVICE, DATA_PATH_POLICY);
    await admin.setPolicy(ROUTED_SERVICE, DATA_PATH_POLICY);
    await admin.setRoutes(ROUTED_SERVICE, ROUTE_TABLE);
    const addresses = addressesOf(servers);
    const started = await Promise.all(
      VARIANTS.map((v) =>
        startEchoClient(
          { variant: v.client, addresses, controlPlane: cp.address, service: v.service },
          ctx.profileFlags,
        ),
      ),
    );
    ctx.log(`data-path: client pids ${VARIANTS.map((v, i) => `${v.id}=${started[i]?.pid}`).join(" ")}`);
    for (const [i, v] of VARIANTS.entries()) clients.set(v.id, started[i] as EchoClientProcess);
    const rounds: Map<VariantKey, RoundSample>[] = [];
    const routeRatios: number[] = [];
    for (let r = 0; r < p.rounds; r++) {
      ctx.log(`data-path: round ${r + 1}/${p.rounds}`);
      rounds.push(await runRound(clients, p, r));
      routeRatios.push(await routeRound(clients, p));
    }
    const summary = summarizeVariants(rounds);
    const mesh = summary.find((s) => s.variant === "mesh") as VariantSummary;
    const routeCase = routeCaseReport(spread(routeRatios));
    return {
      table: `${render(summary, p)}\n\n${routeCase.line}`,
      targets: [
        {
          name: "(c) throughput vs (a)",
          target: "≥ 0.95×",
          value: `${num(mesh.throughputRatio.median, 3)}×`,
          met: mesh.throughputRatio.median >= 0.95,
        },
        {
          name: "(c) P50 vs (a)",
          target: "≤ +50 µs",
          value: `${signed(mesh.p50DeltaUs.median)} µs`,
          met: mesh.p50DeltaUs.median <= 50,
        },
        routeCase.target,
      ],
      params: {
        ...p,
        instances: 3,
        serverProcesses: servers.length + plainServers.length + routedServers.length,
        routeTable: ROUTE_TABLE,
        clientProcesses: VARIANTS.length,
        policy: DATA_PATH_POLICY,
      },
      data: { rounds: rounds.map((r) => Object.fromEntries(r)), summary, routeCpuRatios: routeRatios },
    };
  } finally {
    admin.close();
    await stopAll([...clients.values()]);
    await stopAll([...servers, ...plainServers, ...routedServers]);
    await cp.stop();
  }
}

export const dataPathBench: Bench = { name: "data-path", title: "Data-path overhead", run };
