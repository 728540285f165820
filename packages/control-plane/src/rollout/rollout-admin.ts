/**
 * The rollout RPCs of the Admin service: StartRollout checks the candidate and the plan and
 * records the first stage; the operator actions (pause, resume, promote, abort) are writes with
 * a compare-and-set on the rollout's token and revision, retried when the driver wrote first.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { type Clock, validatePolicy } from "@switchboard/core";
import type {
  AbortRolloutRequest,
  GetRolloutRequest,
  Rollout,
  StartRolloutRequest,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { Logger } from "pino";
import { ControlPlaneError, invalidArgument } from "../errors.js";
import { routesToJson } from "../store/records.js";
import type { RolloutRecord, Store } from "../store/types.js";
import { checkRouteTable, checkServiceName, expect } from "../validation.js";
import { decodeDoc, encodeDoc, isActive, type RolloutDoc, rolloutToProto } from "./rollout-doc.js";
import { abort, newRollout, overlayOf, pause, promote, resume, type Transition } from "./rollout-machine.js";
import { resolveGates, resolveStages } from "./rollout-spec.js";

export interface RolloutAdminDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Attempts of an operator action against concurrent writes of the driver. */
const ATTEMPTS = 5;

function noRollout(service: string): ControlPlaneError {
  return new ControlPlaneError(
    status.NOT_FOUND,
    `service "${service}" has no rollout; StartRollout starts one`,
  );
}

function notActive(service: string, doc: RolloutDoc, action: string): ControlPlaneError {
  return new ControlPlaneError(
    status.FAILED_PRECONDITION,
    `the rollout of "${service}" is ${doc.state}, so it cannot be ${action}; StartRollout starts a new one`,
  );
}

/** Refuses a change of the service's own policy or routes while a rollout is under way: the
 * rollout would otherwise compare the candidate with a baseline that moved under it. */
export async function refuseDuringRollout(store: Store, service: string, what: string): Promise<void> {
  const record = await store.getRollout(service);
  if (record?.active) {
    throw new ControlPlaneError(
      status.FAILED_PRECONDITION,
      `service "${service}" has rollout ${record.id} under way; ${what} is refused until it ends (AbortRollout ends it; GetRollout shows it)`,
    );
  }
}

export function rolloutHandlers(deps: RolloutAdminDeps) {
  const { store, clock } = deps;
  const log = deps.logger.child({ component: "rollout" });

  const toProto = (record: RolloutRecord): Rollout => rolloutToProto(record, decodeDoc(record));

  const startRollout = async (req: StartRolloutRequest): Promise<{ rollout: Rollout }> => {
    const service = expect(checkServiceName(req.service));
    if (!req.policy && !req.routes)
      throw invalidArgument("policy", "a policy or a route table (routes) is required");
    if (req.policy) {
      const checked = validatePolicy(req.policy, "policy");
      if (!checked.ok) throw invalidArgument(checked.error.field, checked.error.message);
    }
    if (req.routes) expect(checkRouteTable(service, req.routes));
    const stages = expect(resolveStages(req.stages));
    const gates = expect(resolveGates(req.gates));
    const state = await store.getService(service);
    const doc = newRollout({
      id: randomUUID(),
      service,
      stages,
      gates,
      policy: req.policy ? Policy.toJSON(req.policy) : undefined,
      routes: req.routes ? routesToJson(req.routes) : undefined,
      nowMs: clock.now(),
      serviceVersion: state.version,
    });
    const started = await store.startRollout({
      service,
      id: doc.id,
      encoded: encodeDoc(doc),
      overlay: overlayOf(doc),
    });
    if (started.status === "active") {
      throw new ControlPlaneError(
        status.FAILED_PRECONDITION,
        `service "${service}" already has rollout ${started.id} under way; one at a time (AbortRollout ends it)`,
      );
    }
    log.info({ service, rollout: doc.id, version: started.version }, "rollout started");
    return { rollout: toProto(started.record) };
  };

  const getRollout = async (req: GetRolloutRequest): Promise<{ rollout: Rollout }> => {
    const service = expect(checkServiceName(req.service));
    const record = await store.getRollout(service);
    if (!record) throw noRollout(service);
    return { rollout: toProto(record) };
  };

  /** Applies an operator action to the active rollout, again while the driver writes first. */
  const act = async (
    service: string,
    action: string,
    allowed: (doc: RolloutDoc) => boolean,
    decide: (doc: RolloutDoc, nowMs: number, serviceVersion: number) => Transition,
  ): Promise<{ rollout: Rollout }> => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const record = await store.getRollout(service);
      if (!record) throw noRollout(service);
      const doc = decodeDoc(record);
      if (!allowed(doc)) throw notActive(service, doc, action);
      const { version } = await store.getService(service);
      const t = decide(doc, clock.now(), version);
      const written = await store.writeRollout({
        service,
        id: record.id,
        token: record.token,
        revision: record.revision,
        encoded: encodeDoc(t.doc),
        active: isActive(t.doc),
        ...t.effect,
      });
      if (written.status === "ok") {
        log.info(
          { service, rollout: record.id, state: t.doc.state, stage: t.doc.stage },
          `rollout ${action}`,
        );
        return { rollout: toProto(written.record) };
      }
    }
    throw new ControlPlaneError(status.ABORTED, `the rollout of "${service}" kept changing; try again`);
  };

  const serviceOf = (req: { service: string }) => expect(checkServiceName(req.service));

  return {
    startRollout,
    getRollout,
    pauseRollout: (req: { service: string }) =>
      act(
        serviceOf(req),
        "paused",
        (d) => d.state === "RUNNING",
        (d, now) => pause(d, now),
      ),
    resumeRollout: (req: { service: string }) =>
      act(
        serviceOf(req),
        "resumed",
        (d) => d.state === "PAUSED",
        (d, now) => resume(d, now),
      ),
    promoteRollout: (req: { service: string }) =>
      act(serviceOf(req), "promoted", isActive, (d, now, version) => promote(d, now, version)),
    abortRollout: (req: AbortRolloutRequest) =>
      act(serviceOf(req), "aborted", isActive, (d, now) => abort(d, now, req.reason)),
  };
}
