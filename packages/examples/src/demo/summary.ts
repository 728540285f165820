import { CallTally, type TallySnapshot } from "../load-generator/call-tally.js";
import type { CallResult } from "../load-generator/load-generator.js";
import type { AttemptDelta } from "./mesh-sample.js";

export interface InstanceInfo {
  readonly name: string;
  readonly role: string;
  /** Its `version` metadata ("v1", "v2"). */
  readonly version: string;
  /** "host:port", the endpoint id in the mesh. */
  readonly address: string;
}

/** Calls marked `x-canary: 1`, and the version that answered those that succeeded. */
export interface CanaryLanding {
  readonly calls: number;
  readonly failed: number;
  /** Successful canary calls by the version of the instance that answered ("v2": 12). */
  readonly byVersion: Readonly<Record<string, number>>;
}

/** Where the calls of a tally landed, by version. */
export function canaryLanding(t: TallySnapshot, instances: readonly InstanceInfo[]): CanaryLanding {
  const byVersion: Record<string, number> = {};
  for (const [address, s] of Object.entries(t.byInstance)) {
    const version = instances.find((i) => i.address === address)?.version ?? "?";
    byVersion[version] = (byVersion[version] ?? 0) + s.calls;
  }
  return { calls: t.calls, failed: t.failed, byVersion };
}

/** Shares summed by version ("v1": 0.9, "v2": 0.1), in order of first appearance. */
export function sharesByVersion(
  rows: readonly { readonly version: string; readonly share: number | null }[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.version] = (out[r.version] ?? 0) + (r.share ?? 0);
  return out;
}

export interface InstanceSummary extends InstanceInfo {
  /** Attempts the balancer sent it (retries included), from the order service's mesh stats. */
  readonly attempts: number;
  /** Its part of all attempts, 0..1. */
  readonly share: number;
  /** Successful attempts / attempts; null without attempts. */
  readonly successRate: number | null;
  /** Orders whose user lookup it answered, and their end-to-end latency percentiles. */
  readonly answered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface PhaseSummary {
  readonly key: string;
  readonly title: string;
  readonly seconds: number;
  /** PlaceOrder calls the load generator made, and how they ended. */
  readonly calls: number;
  readonly failed: number;
  readonly failedByCode: Readonly<Record<string, number>>;
  /** Failed calls the GetUser breaker rejected at once. */
  readonly breakerRejected: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly instances: readonly InstanceSummary[];
  /** Share of the attempts by version of the instance ("v1": 0.9, "v2": 0.1). */
  readonly versions: Readonly<Record<string, number>>;
  /** The orders marked `x-canary: 1`, and where they landed. */
  readonly canary: CanaryLanding;
  /** A few distinct failure messages. */
  readonly failureSamples: readonly string[];
}

/** One phase's raw figures, as they come in. */
export class PhaseRecord {
  readonly tally = new CallTally();
  /** The calls marked `x-canary: 1`. */
  readonly canary = new CallTally();
  readonly attempts = new Map<string, AttemptDelta>();
  endedAt: number | undefined;

  constructor(
    readonly key: string,
    readonly title: string,
    readonly startedAt: number,
  ) {}

  addAttempts(deltas: ReadonlyMap<string, AttemptDelta>): void {
    for (const [id, d] of deltas) {
      const sum = this.attempts.get(id) ?? { attempts: 0, successes: 0 };
      this.attempts.set(id, { attempts: sum.attempts + d.attempts, successes: sum.successes + d.successes });
    }
  }
}

/** The summary of one phase (pure: the figures in, the table rows out). */
export function summarizePhase(phase: PhaseRecord, instances: readonly InstanceInfo[]): PhaseSummary {
  const t = phase.tally.snapshot();
  let total = 0;
  for (const i of instances) total += phase.attempts.get(i.address)?.attempts ?? 0;
  const rows = instances.map((i): InstanceSummary => {
    const a = phase.attempts.get(i.address) ?? { attempts: 0, successes: 0 };
    const latency = t.byInstance[i.address] ?? { calls: 0, p50Ms: 0, p99Ms: 0 };
    return {
      ...i,
      attempts: a.attempts,
      share: total === 0 ? 0 : a.attempts / total,
      successRate: a.attempts === 0 ? null : a.successes / a.attempts,
      answered: latency.calls,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
    };
  });
  const ms = (phase.endedAt ?? phase.startedAt) - phase.startedAt;
  return {
    key: phase.key,
    title: phase.title,
    seconds: Math.round(ms / 100) / 10,
    calls: t.calls,
    failed: t.failed,
    failedByCode: t.failedByCode,
    breakerRejected: t.breakerRejected,
    p50Ms: t.p50Ms,
    p99Ms: t.p99Ms,
    instances: rows,
    versions: sharesByVersion(rows),
    canary: canaryLanding(phase.canary.snapshot(), instances),
    failureSamples: t.failureSamples,
  };
}

/**
 * The phases of a run. Each call counts in the phase in which it started (so a call that fails
 * under the old policy is not blamed on the new one); attempts count in the phase current
 * when they are sampled. Calls before the first phase (warm-up) are not counted.
 */
export class PhaseLedger {
  private readonly phases: PhaseRecord[] = [];

  get current(): PhaseRecord | undefined {
    return this.phases.at(-1);
  }

  begin(key: string, title: string, at: number): PhaseRecord {
    this.end(at);
    const phase = new PhaseRecord(key, title, at);
    this.phases.push(phase);
    return phase;
  }

  /** Ends the current phase (if any is open). */
  end(at: number): void {
    const current = this.current;
    if (current && current.endedAt === undefined) current.endedAt = at;
  }

  recordCall(result: CallResult): void {
    for (let i = this.phases.length - 1; i >= 0; i--) {
      const phase = this.phases[i] as PhaseRecord;
      if (result.startedAt < phase.startedAt) continue;
      if (phase.endedAt === undefined || result.startedAt < phase.endedAt) {
        phase.tally.record(result);
        if (result.canary) phase.canary.record(result);
      }
      return;
    }
  }

  recordAttempts(deltas: ReadonlyMap<string, AttemptDelta>): void {
    const current = this.current;
    if (current && current.endedAt === undefined) current.addAttempts(deltas);
  }

  summaries(instances: readonly InstanceInfo[]): PhaseSummary[] {
    return this.phases.map((p) => summarizePhase(p, instances));
  }
}
