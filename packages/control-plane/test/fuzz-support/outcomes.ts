/** Running a fuzz suite's cases and judging their outcomes, shared by the fuzz tests. */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { status } from "@grpc/grpc-js";
import type { FuzzTarget } from "./target.js";

export interface FuzzOutcome {
  readonly n: number;
  readonly rpc: string;
  readonly code: number;
  /** What was wrong with the outcome; undefined when it was proper. */
  readonly problem: string | undefined;
}

/** Runs every case, `concurrency` at a time; outcomes in the order the cases ended. */
export async function runCases<O>(
  cases: readonly number[],
  concurrency: number,
  run: (n: number) => Promise<O>,
): Promise<O[]> {
  const outcomes: O[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) outcomes.push(await run(cases[next++] as number));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/**
 * Reports the outcomes tallied by `kind` and status, then fails with the first bad ones (and how
 * to replay them); also fails unless the cases reached both success and validation.
 */
export function assertProperOutcomes<O extends FuzzOutcome>(
  t: TestContext,
  seed: number,
  outcomes: readonly O[],
  kind: (o: O) => string,
  reached: string,
): void {
  const byCode = new Map<string, number>();
  for (const o of outcomes) {
    const key = `${kind(o)} ${status[o.code] ?? o.code}`;
    byCode.set(key, (byCode.get(key) ?? 0) + 1);
  }
  t.diagnostic([...byCode].map(([k, v]) => `${k}: ${v}`).join(", "));
  const bad = outcomes.filter((o) => o.problem !== undefined);
  const shown = bad.slice(0, 15).map((o) => `case ${o.n} ${kind(o)}: ${o.problem}`);
  assert.deepEqual(
    shown,
    [],
    `seed ${seed}: ${bad.length} bad outcomes; replay with FUZZ_SEED=${seed} FUZZ_ONLY=<case>`,
  );
  assert.ok(
    outcomes.some((o) => o.code === status.OK) && outcomes.some((o) => o.code === status.INVALID_ARGUMENT),
    reached,
  );
}

/** Fails when the target's Redis state is inconsistent; returns the report. */
export async function assertConsistent(target: FuzzTarget) {
  const report = await target.consistency();
  assert.deepEqual(
    report.problems.slice(0, 20),
    [],
    `${report.problems.length} problems in ${report.keys} keys`,
  );
  return report;
}
