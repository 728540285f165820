/**
 * A rollout as its document records it (the store keeps it as JSON beside the lease and the
 * fencing token), and how it reads in the Admin API.
 */
import {
  type Rollout,
  type RolloutEvent as RolloutEventProto,
  RolloutState,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { storeFailure } from "../store/errors.js";
import type { RolloutRecord } from "../store/types.js";
import type { ResolvedGates, ResolvedStage } from "./rollout-spec.js";

export type RolloutStateName = "RUNNING" | "PAUSED" | "COMPLETED" | "ROLLED_BACK" | "ABORTED";

export type RolloutEventKind =
  | "started"
  | "stage"
  | "paused"
  | "resumed"
  | "promoted"
  | "driver"
  | "rolled_back"
  | "completed"
  | "aborted";

export interface RolloutEvent {
  readonly atMs: number;
  readonly kind: RolloutEventKind;
  readonly stage: number;
  readonly detail: string;
}

export type GateName = "nack_share" | "error_rate_increase" | "p99_ratio" | "breaker_open_clients";

export interface GateReading {
  readonly gate: GateName;
  readonly measured: number;
  readonly limit: number;
  readonly crossed: boolean;
}

/** What the cohort's reports add up to during a stage. */
export interface CohortCounts {
  readonly cohortClients: number;
  readonly cohortCalls: number;
  readonly otherClients: number;
}

export interface RolloutDoc {
  readonly id: string;
  readonly service: string;
  readonly state: RolloutStateName;
  readonly stages: readonly ResolvedStage[];
  readonly gates: ResolvedGates;
  /** The candidate, proto3 JSON (absent: that part keeps the baseline). */
  readonly policy?: unknown;
  readonly routes?: unknown;
  readonly stage: number;
  readonly startedAtMs: number;
  readonly stageStartedAtMs: number;
  /** NACKs of versions above this count against the current stage. */
  readonly nackAfterVersion: number;
  readonly reason: string;
  readonly readings: readonly GateReading[];
  readonly counts: CohortCounts;
  readonly events: readonly RolloutEvent[];
}

/** Events kept per rollout (the oldest go first, except the first one). */
export const MAX_EVENTS = 100;

export const ACTIVE_STATES: ReadonlySet<RolloutStateName> = new Set(["RUNNING", "PAUSED"]);

export function isActive(doc: RolloutDoc): boolean {
  return ACTIVE_STATES.has(doc.state);
}

export function candidatePolicy(doc: RolloutDoc): Policy | undefined {
  return doc.policy === undefined ? undefined : Policy.fromJSON(doc.policy);
}

export function candidateRoutes(doc: RolloutDoc): RouteTable | undefined {
  return doc.routes === undefined ? undefined : RouteTable.fromJSON(doc.routes);
}

export function encodeDoc(doc: RolloutDoc): string {
  return JSON.stringify(doc);
}

export function decodeDoc(record: RolloutRecord): RolloutDoc {
  try {
    const doc = JSON.parse(record.encoded) as RolloutDoc;
    if (typeof doc.id !== "string" || !Array.isArray(doc.stages) || !Array.isArray(doc.events)) {
      throw new Error("lacks id, stages or events");
    }
    return doc;
  } catch (error) {
    throw storeFailure(`rollout of ${record.service} does not decode`, error);
  }
}

const STATE_TO_PROTO: Readonly<Record<RolloutStateName, RolloutState>> = {
  RUNNING: RolloutState.ROLLOUT_STATE_RUNNING,
  PAUSED: RolloutState.ROLLOUT_STATE_PAUSED,
  COMPLETED: RolloutState.ROLLOUT_STATE_COMPLETED,
  ROLLED_BACK: RolloutState.ROLLOUT_STATE_ROLLED_BACK,
  ABORTED: RolloutState.ROLLOUT_STATE_ABORTED,
};

function eventToProto(e: RolloutEvent): RolloutEventProto {
  return { at: new Date(e.atMs), kind: e.kind, stage: e.stage, detail: e.detail };
}

export function rolloutToProto(record: RolloutRecord, doc: RolloutDoc): Rollout {
  return {
    service: doc.service,
    id: doc.id,
    state: STATE_TO_PROTO[doc.state],
    stage: doc.stage,
    percent: doc.stages[doc.stage]?.percent ?? 0,
    stages: doc.stages.map((s) => ({ percent: s.percent, holdMs: s.holdMs })),
    gates: { ...doc.gates },
    policy: candidatePolicy(doc),
    routes: candidateRoutes(doc),
    startedAt: new Date(doc.startedAtMs),
    stageStartedAt: new Date(doc.stageStartedAtMs),
    reason: doc.reason,
    driver: record.driver,
    fencingToken: record.token,
    readings: doc.readings.map((r) => ({ ...r })),
    cohortClients: doc.counts.cohortClients,
    cohortCalls: doc.counts.cohortCalls,
    otherClients: doc.counts.otherClients,
    events: doc.events.map(eventToProto),
  };
}
