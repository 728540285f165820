/**
 * The stage state machine of a rollout: pure functions from a document (and, for a step, what
 * the gates measured) to the next document and what the store must do with the cohort. Time is
 * passed in, so it is tested with a fake clock.
 */
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { RolloutOverlay } from "../store/types.js";
import type { CohortMeasure } from "./cohort-gates.js";
import {
  candidatePolicy,
  candidateRoutes,
  isActive,
  MAX_EVENTS,
  type RolloutDoc,
  type RolloutEvent,
  type RolloutEventKind,
} from "./rollout-doc.js";
import { cohortBuckets, type ResolvedGates, type ResolvedStage } from "./rollout-spec.js";

/** What the store does besides storing the document (see Store.writeRollout). */
export interface Effect {
  /** A new cohort (a stage change), null to send everyone back to the baseline. */
  readonly overlay?: RolloutOverlay | null;
  readonly applyPolicy?: Policy;
  readonly applyRoutes?: RouteTable;
}

export interface Transition {
  readonly doc: RolloutDoc;
  readonly effect: Effect;
}

export interface NewRollout {
  readonly id: string;
  readonly service: string;
  readonly stages: readonly ResolvedStage[];
  readonly gates: ResolvedGates;
  readonly policy: unknown;
  readonly routes: unknown;
  readonly nowMs: number;
  /** The service's version when it starts: NACKs of later versions count. */
  readonly serviceVersion: number;
}

export function newRollout(input: NewRollout): RolloutDoc {
  const first = input.stages[0]?.percent ?? 0;
  const doc: RolloutDoc = {
    id: input.id,
    service: input.service,
    state: "RUNNING",
    stages: input.stages,
    gates: input.gates,
    ...(input.policy === undefined ? {} : { policy: input.policy }),
    ...(input.routes === undefined ? {} : { routes: input.routes }),
    stage: 0,
    startedAtMs: input.nowMs,
    stageStartedAtMs: input.nowMs,
    nackAfterVersion: input.serviceVersion,
    reason: "",
    readings: [],
    counts: { cohortClients: 0, cohortCalls: 0, otherClients: 0 },
    events: [],
  };
  return withEvent(doc, input.nowMs, "started", `stage 1: ${first}% of clients`);
}

/** What the rollout's current stage delivers. */
export function overlayOf(doc: RolloutDoc): RolloutOverlay {
  return {
    rolloutId: doc.id,
    stage: doc.stage,
    cohortBuckets: cohortBuckets(doc.stages[doc.stage]?.percent ?? 0),
    policy: candidatePolicy(doc),
    routes: candidateRoutes(doc),
  };
}

function withEvent(doc: RolloutDoc, atMs: number, kind: RolloutEventKind, detail: string): RolloutDoc {
  const event: RolloutEvent = { atMs, kind, stage: doc.stage, detail };
  let events = [...doc.events, event];
  if (events.length > MAX_EVENTS) events = [events[0] as RolloutEvent, ...events.slice(-(MAX_EVENTS - 1))];
  return { ...doc, events };
}

/** The next stage, or completion after the last one. */
function nextStage(doc: RolloutDoc, nowMs: number, serviceVersion: number, why: string): Transition {
  const next = doc.stage + 1;
  if (next >= doc.stages.length) {
    const done = withEvent({ ...doc, state: "COMPLETED", reason: why }, nowMs, "completed", why);
    const policy = candidatePolicy(doc);
    const routes = candidateRoutes(doc);
    return {
      doc: done,
      effect: {
        overlay: null,
        ...(policy ? { applyPolicy: policy } : {}),
        ...(routes ? { applyRoutes: routes } : {}),
      },
    };
  }
  const moved: RolloutDoc = {
    ...doc,
    stage: next,
    stageStartedAtMs: nowMs,
    nackAfterVersion: serviceVersion,
    readings: [],
    counts: { cohortClients: 0, cohortCalls: 0, otherClients: 0 },
  };
  const percent = doc.stages[next]?.percent ?? 0;
  const staged = withEvent(moved, nowMs, "stage", `stage ${next + 1}: ${percent}% of clients (${why})`);
  return { doc: staged, effect: { overlay: overlayOf(staged) } };
}

function ended(
  doc: RolloutDoc,
  nowMs: number,
  state: "ROLLED_BACK" | "ABORTED",
  kind: RolloutEventKind,
  reason: string,
): Transition {
  return { doc: withEvent({ ...doc, state, reason }, nowMs, kind, reason), effect: { overlay: null } };
}

/**
 * One step of the driver: a crossed gate rolls back at once (paused or not); a running stage
 * that has held for its `holdMs` with enough cohort reports and every gate passing moves on.
 */
export function step(
  doc: RolloutDoc,
  measure: CohortMeasure,
  nowMs: number,
  serviceVersion: number,
): Transition {
  if (!isActive(doc)) return { doc, effect: {} };
  const measured: RolloutDoc = { ...doc, readings: measure.readings, counts: measure.counts };
  const crossed = measure.readings.find((r) => r.crossed);
  if (crossed) {
    const reason = `gate ${crossed.gate} crossed at stage ${doc.stage + 1}: measured ${round(crossed.measured)} > limit ${crossed.limit}`;
    return ended(measured, nowMs, "ROLLED_BACK", "rolled_back", reason);
  }
  const stage = doc.stages[doc.stage];
  const held = stage !== undefined && nowMs - doc.stageStartedAtMs >= stage.holdMs;
  if (doc.state === "RUNNING" && held && measure.enough) {
    return nextStage(measured, nowMs, serviceVersion, "every gate held");
  }
  return { doc: measured, effect: {} };
}

export function pause(doc: RolloutDoc, nowMs: number): Transition {
  return {
    doc: withEvent({ ...doc, state: "PAUSED" }, nowMs, "paused", "paused by an operator"),
    effect: {},
  };
}

/** Running again; the stage's hold time starts over. */
export function resume(doc: RolloutDoc, nowMs: number): Transition {
  const running: RolloutDoc = { ...doc, state: "RUNNING", stageStartedAtMs: nowMs };
  return { doc: withEvent(running, nowMs, "resumed", "resumed by an operator"), effect: {} };
}

export function promote(doc: RolloutDoc, nowMs: number, serviceVersion: number): Transition {
  const promoted = withEvent(doc, nowMs, "promoted", "promoted by an operator");
  return nextStage({ ...promoted, state: "RUNNING" }, nowMs, serviceVersion, "promoted");
}

export function abort(doc: RolloutDoc, nowMs: number, reason: string): Transition {
  return ended(doc, nowMs, "ABORTED", "aborted", reason === "" ? "aborted by an operator" : reason);
}

/** A replica took over the rollout (its lease ran out at the previous driver). */
export function tookOver(doc: RolloutDoc, nowMs: number, replicaId: string, token: number): RolloutDoc {
  return withEvent(doc, nowMs, "driver", `driven by ${replicaId} (fencing token ${token})`);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
