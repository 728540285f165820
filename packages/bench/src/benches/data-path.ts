/**
 * 1. Data-path overhead: the same three echo instances called through four client stacks, each
 * in its own process, one at a time, rounds interleaved; ratios to grpc-js round_robin over the
 * same instances, per round.
 */
import { AdminClient, Registrar } from "@switchboard/control-plane/testing";
import { startControlPlane } from "../lib/control-plane.js";
import { markdownTable, num, signedSpread, withSpread } from "../lib/format.js";
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
import { type Bench, type BenchContext, type BenchOutput, sized, type TargetCheck } from "./types.js";

/**
 * The service with the policy of (c), and one left at the default policy (round_robin only);
 * both, and (c1)'s ROUTED_SERVICE, name the same three instances, which every stack calls.
 */
const SERVICE = "echo";
const PLAIN_SERVICE = "echo-plain";
/** Lease of the instances' further registrations (PLAIN_SERVICE, ROUTED_SERVICE): longer than any run. */
const EXTRA_LEASE_MS = 3_600_000;

type VariantKey = ClientVariant | "mesh_plain" | "mesh_routes";

/** What every other stack is compared with. */
const BASELINE: VariantKey = "round_robin";

interface Variant {
  readonly id: VariantKey;
  readonly client: ClientVariant;
  readonly service: string;
  readonly label: string;
}

const VARIANTS: readonly Variant[] = [
  {
    id: "round_robin",
    client: "round_robin",
    service: SERVICE,
    label: "(b) grpc-js round_robin, the 3 addresses (ipv4: target)",
  },
  {
    id: "mesh_plain",
    client: "mesh",
    service: PLAIN_SERVICE,
    label: "(c0) Switchboard mesh:///, default policy (round_robin, no breaker, no retries), metrics",
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
    const base = rounds.map((r) => r.get(BASELINE) as RoundSample);
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
    "× (b)",
    `P50 µs at ${num(p.rate)}/s`,
    "ΔP50 vs (b) µs",
    "P99 µs",
    "CPU ms per 1k calls",
    "CPU × (b)",
    "failed calls",
  ];
  const rows = summary.map((s) => {
    const base = s.variant === BASELINE;
    return [
      s.label,
      withSpread(s.throughput),
      base ? "—" : withSpread(s.throughputRatio, 3),
      withSpread(s.p50Us),
      base ? "—" : signedSpread(s.p50DeltaUs),
      withSpread(s.p99Us),
      withSpread(s.cpuMsPer1k, 1),
      base ? "—" : withSpread(s.cpuRatio, 3),
      num(s.errors),
    ];
  });
  return markdownTable(header, rows);
}

/** The issue's targets for the mesh against grpc-js round_robin over the same instances. */
const TARGETS = [
  { variant: "mesh_plain", label: "(c0)", minThroughput: 0.97, maxCpu: 1.05 },
  { variant: "mesh", label: "(c)", minThroughput: 0.97, maxCpu: 1.1 },
] as const;

function targetChecks(summary: readonly VariantSummary[]): TargetCheck[] {
  return TARGETS.flatMap((t) => {
    const s = summary.find((v) => v.variant === t.variant) as VariantSummary;
    return [
      {
        name: `${t.label} throughput vs (b)`,
        target: `≥ ${num(t.minThroughput, 2)}×`,
        value: `${withSpread(s.throughputRatio, 3)}×`,
        met: s.throughputRatio.median >= t.minThroughput,
      },
      {
        name: `${t.label} CPU per call vs (b)`,
        target: `≤ ${num(t.maxCpu, 2)}×`,
        value: `${withSpread(s.cpuRatio, 3)}×`,
        met: s.cpuRatio.median <= t.maxCpu,
      },
    ];
  });
}

/** The three instances registered again, under another service ((c0), (c1)). */
async function registerAgain(
  controlPlane: string,
  addresses: readonly string[],
  service: string,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const reg = new Registrar(controlPlane);
  try {
    for (const address of addresses) {
      const at = address.lastIndexOf(":");
      const host = address.slice(0, at);
      const port = Number(address.slice(at + 1));
      await reg.register({ service, host, port, metadata: { ...metadata }, ttlMs: EXTRA_LEASE_MS });
    }
  } finally {
    reg.close();
  }
}

/** The route case's CPU per call over (c)'s, the two measured in alternating slices. */
function routeRound(clients: Map<VariantKey, EchoClientProcess>, p: Params): Promise<number> {
  const plain = clients.get("mesh") as EchoClientProcess;
  const routed = clients.get("mesh_routes") as EchoClientProcess;
  return pairedCpuRatio(plain, routed, { rate: p.rate, sliceMs: p.latencyMs / 4 });
}

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const cp = await startControlPlane({ args: ["--max-lease-ttl-ms", String(EXTRA_LEASE_MS)] });
  const admin = new AdminClient(cp.address);
  const servers = await startEchoServers(cp.address, SERVICE, [[0], [0], [0]]);
  const clients = new Map<VariantKey, EchoClientProcess>();
  try {
    await admin.setPolicy(SERVICE, DATA_PATH_POLICY);
    await admin.setPolicy(ROUTED_SERVICE, DATA_PATH_POLICY);
    await admin.setRoutes(ROUTED_SERVICE, ROUTE_TABLE);
    const addresses = addressesOf(servers);
    await registerAgain(cp.address, addresses, PLAIN_SERVICE);
    await registerAgain(cp.address, addresses, ROUTED_SERVICE, ROUTED_METADATA);
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
    const routeCase = routeCaseReport(spread(routeRatios));
    return {
      table: `${render(summary, p)}\n\n${routeCase.line}`,
      targets: [...targetChecks(summary), routeCase.target],
      params: {
        ...p,
        instances: addresses.length,
        serverProcesses: servers.length,
        routeTable: ROUTE_TABLE,
        clientProcesses: VARIANTS.length,
        policy: DATA_PATH_POLICY,
      },
      data: { rounds: rounds.map((r) => Object.fromEntries(r)), summary, routeCpuRatios: routeRatios },
    };
  } finally {
    admin.close();
    await stopAll([...clients.values()]);
    await stopAll(servers);
    await cp.stop();
  }
}

export const dataPathBench: Bench = { name: "data-path", title: "Data-path overhead", run };
