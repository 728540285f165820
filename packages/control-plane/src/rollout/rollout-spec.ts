/**
 * What StartRollout asks for, checked: the stages (percent and hold time) and the gates, each
 * with its default and range written once here (docs/rollouts.md quotes them).
 */
import { STICKY_BUCKETS } from "@switchboard/core";
import type { RolloutGates, RolloutStage } from "@switchboard/core/gen/switchboard/v1/admin.js";
import type { Checked } from "../validation.js";

export interface ResolvedStage {
  readonly percent: number;
  readonly holdMs: number;
}

export interface ResolvedGates {
  readonly maxNackShare: number;
  readonly maxErrorRateIncrease: number;
  readonly maxP99Ratio: number;
  readonly maxBreakerOpenClients: number;
  readonly minCohortClients: number;
  readonly minCohortCalls: number;
}

interface Limit {
  /** The proto field, as INVALID_ARGUMENT names it. */
  readonly field: string;
  readonly defaultValue: number;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

/** Every gate: its proto field, default and range. */
export const GATE_LIMITS: { readonly [K in keyof ResolvedGates]: Limit } = {
  maxNackShare: { field: "max_nack_share", defaultValue: 0, min: 0, max: 1, integer: false },
  maxErrorRateIncrease: {
    field: "max_error_rate_increase",
    defaultValue: 0.05,
    min: 0,
    max: 1,
    integer: false,
  },
  maxP99Ratio: { field: "max_p99_ratio", defaultValue: 2, min: 1, max: 1000, integer: false },
  maxBreakerOpenClients: {
    field: "max_breaker_open_clients",
    defaultValue: 0,
    min: 0,
    max: 1_000_000,
    integer: true,
  },
  minCohortClients: { field: "min_cohort_clients", defaultValue: 1, min: 1, max: 1_000_000, integer: true },
  minCohortCalls: { field: "min_cohort_calls", defaultValue: 10, min: 0, max: 1_000_000_000, integer: true },
};

/** A stage's hold time: default and range, in ms. */
export const STAGE_HOLD_MS = { defaultValue: 60_000, min: 1000, max: 86_400_000 } as const;

/** The stages of a rollout that names none. */
export const DEFAULT_STAGE_PERCENTS: readonly number[] = [1, 10, 50, 100];

/** Stages at most. */
export const MAX_STAGES = 20;

/** A stage's cohort: the clients whose sticky bucket is below this (percent x 10,000). */
export function cohortBuckets(percent: number): number {
  return Math.round((percent / 100) * STICKY_BUCKETS);
}

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (field: string, message: string): Checked<never> => ({ ok: false, error: { field, message } });

export function resolveGates(gates: RolloutGates | undefined): Checked<ResolvedGates> {
  const out: Record<string, number> = {};
  for (const [key, limit] of Object.entries(GATE_LIMITS) as [keyof ResolvedGates, Limit][]) {
    const given = gates?.[key];
    const value = given === undefined ? limit.defaultValue : Number(given);
    const field = `gates.${limit.field}`;
    if (!Number.isFinite(value) || value < limit.min || value > limit.max) {
      return fail(field, `must be ${limit.min}..${limit.max} (got ${String(given)})`);
    }
    if (limit.integer && !Number.isInteger(value))
      return fail(field, `must be a whole number (got ${value})`);
    out[key] = value;
  }
  return ok(out as unknown as ResolvedGates);
}

export function resolveStages(stages: readonly RolloutStage[]): Checked<ResolvedStage[]> {
  const given =
    stages.length > 0 ? stages : DEFAULT_STAGE_PERCENTS.map((percent) => ({ percent, holdMs: 0 }));
  if (given.length > MAX_STAGES) return fail("stages", `at most ${MAX_STAGES} stages (got ${given.length})`);
  const out: ResolvedStage[] = [];
  let previous = 0;
  for (const [i, stage] of given.entries()) {
    const field = `stages[${i}]`;
    const { percent } = stage;
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
      return fail(`${field}.percent`, `must be above 0 and at most 100 (got ${percent})`);
    }
    if (percent <= previous) {
      return fail(`${field}.percent`, `must be above the stage before it (${previous}; got ${percent})`);
    }
    const holdMs = stage.holdMs === 0 ? STAGE_HOLD_MS.defaultValue : stage.holdMs;
    if (holdMs < STAGE_HOLD_MS.min || holdMs > STAGE_HOLD_MS.max) {
      return fail(`${field}.hold_ms`, `must be ${STAGE_HOLD_MS.min}..${STAGE_HOLD_MS.max} (got ${holdMs})`);
    }
    out.push({ percent, holdMs });
    previous = percent;
  }
  if (previous !== 100) {
    return fail(`stages[${given.length - 1}].percent`, `the last stage must be 100 (got ${previous})`);
  }
  return ok(out);
}
