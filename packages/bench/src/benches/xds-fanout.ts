/**
 * 2b. xDS fan-out: N raw ADS streams (LDS, RDS, CDS and EDS of one service each, every response
 * acked) on one control-plane process backed by Redis; one endpoint change at a time, timed
 * until the last stream has acked it. The same number of native Discovery Watch streams runs
 * beside it, rounds interleaved, in the native fan-out's table format.
 */

import { runRounds } from "./fanout.js";
import type { FanoutParams } from "./fanout-cases.js";
import { renderFanout } from "./fanout-table.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

interface Params extends FanoutParams {
  readonly sizes: readonly number[];
}

const SIZES = {
  tiny: {
    sizes: [40],
    rounds: 1,
    changes: 2,
    warmupChanges: 1,
    loadProcesses: 2,
    streamsPerConnection: 20,
    endpoints: 3,
    settleMs: 100,
  },
  quick: {
    sizes: [1000],
    rounds: 1,
    changes: 12,
    warmupChanges: 10,
    loadProcesses: 2,
    streamsPerConnection: 250,
    endpoints: 10,
    settleMs: 1000,
  },
  full: {
    sizes: [1000],
    rounds: 3,
    changes: 20,
    warmupChanges: 10,
    loadProcesses: 4,
    streamsPerConnection: 250,
    endpoints: 10,
    settleMs: 1000,
  },
} as const satisfies Record<string, Params>;

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const cases = p.sizes.flatMap((subscribers) => [
    { protocol: "native" as const, subscribers, replicas: 1 },
    { protocol: "xds" as const, subscribers, replicas: 1 },
  ]);
  const phases = await runRounds(ctx, p, cases);
  const { table, targets } = renderFanout(cases, phases);
  return { table, targets, params: { ...p, store: "redis" }, data: { phases } };
}

export const xdsFanoutBench: Bench = { name: "xds-fanout", title: "xDS fan-out", run };
