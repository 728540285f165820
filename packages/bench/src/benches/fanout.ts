/**
 * 2. Control-plane fan-out: N raw Discovery Watch streams (from several load processes, many
 * streams per connection) on control-plane processes backed by one Redis; one endpoint change
 * at a time, timed until the last subscriber has it. The sizes run on one replica; the
 * scale-out size runs on one replica and on three, to show how the cost grows with replicas.
 */
import { launchRedis } from "@switchboard/control-plane/testing";
import { type FanoutCase, type FanoutParams, type Phase, runCase } from "./fanout-cases.js";
import { renderFanout } from "./fanout-table.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

interface Params extends FanoutParams {
  /** Subscriber counts run on one replica. */
  readonly sizes: readonly number[];
  /** The scale-out case: this many subscribers on each replica count. */
  readonly scaleOut: number;
  readonly scaleOutReplicas: readonly number[];
}

const SIZES = {
  tiny: {
    sizes: [],
    scaleOut: 40,
    scaleOutReplicas: [1, 3],
    rounds: 1,
    changes: 2,
    warmupChanges: 1,
    loadProcesses: 2,
    streamsPerConnection: 20,
    endpoints: 3,
    settleMs: 100,
  },
  quick: {
    sizes: [1000, 10000],
    scaleOut: 3000,
    scaleOutReplicas: [1, 3],
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
    scaleOut: 30000,
    scaleOutReplicas: [1, 3],
    rounds: 3,
    changes: 20,
    warmupChanges: 10,
    loadProcesses: 4,
    streamsPerConnection: 250,
    endpoints: 10,
    settleMs: 1000,
  },
} as const satisfies Record<string, Params>;

export function fanoutCases(p: Params): FanoutCase[] {
  return [
    ...p.sizes.map((subscribers) => ({ protocol: "native" as const, subscribers, replicas: 1 })),
    ...p.scaleOutReplicas.map((replicas) => ({
      protocol: "native" as const,
      subscribers: p.scaleOut,
      replicas,
    })),
  ];
}

/** Every case once per round, the order reversed every other round. */
export async function runRounds(
  ctx: BenchContext,
  p: FanoutParams,
  cases: readonly FanoutCase[],
): Promise<Phase[]> {
  const redis = await launchRedis();
  const phases: Phase[] = [];
  try {
    for (let r = 0; r < p.rounds; r++) {
      const order = r % 2 === 0 ? cases : [...cases].reverse();
      for (const c of order) {
        const tag = `${c.protocol}-${r}-${c.subscribers}-${c.replicas}`;
        phases.push(await runCase(ctx, redis, p, c, tag));
      }
    }
  } finally {
    await redis.stop();
  }
  return phases;
}

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const cases = fanoutCases(p);
  const phases = await runRounds(ctx, p, cases);
  const { table, targets } = renderFanout(cases, phases);
  return {
    table,
    targets,
    params: { ...p, store: "redis" },
    data: { phases },
  };
}

export const fanoutBench: Bench = { name: "fanout", title: "Control-plane fan-out", run };
