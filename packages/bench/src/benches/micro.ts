/** 6. Micro: ns per operation of the per-call state machines, in a process of their own. */
import { markdownTable, num, verdict, withSpread } from "../lib/format.js";
import { spread } from "../lib/stats.js";
import { WorkerProcess } from "../lib/worker-process.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

const SIZES = {
  tiny: { rounds: 1, iterations: 20_000 },
  quick: { rounds: 5, iterations: 500_000 },
  full: { rounds: 9, iterations: 2_000_000 },
} as const;

const TARGET_NS = 1000;

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p = sized(ctx.level, SIZES);
  const worker = await WorkerProcess.start<{ operations: string[] }>(
    "micro",
    {},
    { nodeFlags: ctx.profileFlags },
  );
  try {
    ctx.log(`micro: ${worker.info.operations.length} operations × ${p.rounds} rounds`);
    const raw = await worker.call<Record<string, number[]>>("run", p);
    const all = Object.entries(raw).map(([operation, rounds]) => ({ operation, ns: spread(rounds) }));
    // The target is per call. "(before)" operations show what a replaced implementation cost (a
    // reference); "(per report)" ones run once per client report (every few seconds), not per call.
    const exempt = (operation: string) =>
      operation.endsWith("(before)")
        ? "reference"
        : operation.endsWith("(per report)")
          ? "per report"
          : undefined;
    const summary = all.filter((s) => exempt(s.operation) === undefined);
    const rows = all.map((s) => [
      s.operation,
      withSpread(s.ns, 1),
      exempt(s.operation) ?? verdict(s.ns.median <= TARGET_NS),
    ]);
    const table = markdownTable(["operation", "ns per op", `≤ ${num(TARGET_NS)} ns`], rows);
    const worst = summary.reduce((a, b) => (b.ns.median > a.ns.median ? b : a));
    return {
      table,
      targets: [
        {
          name: "slowest operation",
          target: `≤ ${num(TARGET_NS)} ns each`,
          value: `${num(worst.ns.median, 1)} ns (${worst.operation})`,
          met: summary.every((s) => s.ns.median <= TARGET_NS),
        },
      ],
      params: { ...p, endpoints: 10 },
      data: { summary: all },
    };
  } finally {
    await worker.stop();
  }
}

export const microBench: Bench = { name: "micro", title: "Micro-benchmarks", run };
