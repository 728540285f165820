/**
 * The gates of a rollout stage, measured from what the clients say: their latest reports
 * (error rate, P99, breakers) split into the cohort and the other clients, and their Discovery
 * subscriptions (NACKs of the candidate).
 */
import { stickyBucket } from "@switchboard/core";
import { ReportedBreakerState } from "@switchboard/core/gen/switchboard/v1/types.js";
import type { FleetRecord } from "../fleet/fleet-record.js";
import { isFresh } from "../fleet/service-health.js";
import type { SubscriberInfo } from "../store/types.js";
import type { CohortCounts, GateReading } from "./rollout-doc.js";
import type { ResolvedGates } from "./rollout-spec.js";

export interface CohortMeasure {
  readonly counts: CohortCounts;
  readonly readings: readonly GateReading[];
  /** Enough cohort reports (clients and calls) for the stage to pass. */
  readonly enough: boolean;
}

export interface MeasureInput {
  readonly service: string;
  /** Clients whose sticky bucket is below this are in the cohort. */
  readonly cohortBuckets: number;
  /** Reports received before the stage began do not count. */
  readonly stageStartedAtMs: number;
  /** NACKs of versions above this count. */
  readonly nackAfterVersion: number;
  readonly gates: ResolvedGates;
  readonly records: readonly FleetRecord[];
  readonly subscribers: readonly SubscriberInfo[];
  readonly nowMs: number;
}

/** Calls, errors, the highest P99 and open breakers over some clients' latest reports. */
interface Side {
  clients: number;
  calls: number;
  errors: number;
  p99Ms: number;
  breakerOpen: number;
}

const OPEN = ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN;

function add(side: Side, { report }: FleetRecord): void {
  side.clients += 1;
  let open = report.serviceBreaker === OPEN;
  for (const m of report.methods) {
    side.calls += m.calls;
    for (const e of m.errors) side.errors += e.count;
    if (m.calls > 0) side.p99Ms = Math.max(side.p99Ms, m.latencyP99Ms);
    if (m.breaker === OPEN) open = true;
  }
  if (open) side.breakerOpen += 1;
}

function emptySide(): Side {
  return { clients: 0, calls: 0, errors: 0, p99Ms: 0, breakerOpen: 0 };
}

function rate(side: Side): number {
  return side.calls === 0 ? 0 : side.errors / side.calls;
}

function reading(gate: GateReading["gate"], measured: number, limit: number): GateReading {
  return { gate, measured, limit, crossed: measured > limit };
}

/** Share of the cohort's subscribers of the service that rejected a version of this stage. */
function nackShare(input: MeasureInput): number {
  let cohort = 0;
  let nacked = 0;
  for (const s of input.subscribers) {
    if (s.xds || stickyBucket(s.clientId) >= input.cohortBuckets) continue;
    const sub = s.subscriptions.find((x) => x.service === input.service);
    if (!sub) continue;
    cohort += 1;
    if (sub.nackCount > 0 && sub.lastNackVersion > input.nackAfterVersion) nacked += 1;
  }
  return cohort === 0 ? 0 : nacked / cohort;
}

/**
 * Every gate of the stage. The error-rate and P99 gates are read only once the cohort has
 * reported `minCohortCalls` calls (a handful of calls says little); the NACK and breaker gates
 * count from the first report.
 */
export function measureCohort(input: MeasureInput): CohortMeasure {
  const cohort = emptySide();
  const others = emptySide();
  for (const r of input.records) {
    if (!isFresh(r, input.nowMs) || r.receivedAtMs < input.stageStartedAtMs) continue;
    add(stickyBucket(r.clientId) < input.cohortBuckets ? cohort : others, r);
  }
  const { gates } = input;
  const sampled = cohort.calls >= gates.minCohortCalls && cohort.calls > 0;
  const readings: GateReading[] = [
    reading("nack_share", nackShare(input), gates.maxNackShare),
    reading("breaker_open_clients", cohort.breakerOpen, gates.maxBreakerOpenClients),
  ];
  if (sampled) {
    readings.push(reading("error_rate_increase", rate(cohort) - rate(others), gates.maxErrorRateIncrease));
    if (others.p99Ms > 0) readings.push(reading("p99_ratio", cohort.p99Ms / others.p99Ms, gates.maxP99Ratio));
  }
  return {
    counts: { cohortClients: cohort.clients, cohortCalls: cohort.calls, otherClients: others.clients },
    readings,
    enough: cohort.clients >= gates.minCohortClients && cohort.calls >= gates.minCohortCalls,
  };
}
