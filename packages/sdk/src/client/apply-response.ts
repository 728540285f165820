import type { WatchRequest, WatchResponse } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Logger } from "pino";
import type { ServiceRuntime } from "./service-runtime.js";

/** What to send back for one response, and what it did. */
export interface Reply {
  readonly service: string;
  readonly messages: readonly WatchRequest[];
  readonly nack: boolean;
  /** The routed state changed (the snapshot file is due). */
  readonly changed: boolean;
}

const ack = (nonce: string): WatchRequest => ({ kind: { $case: "ack", ack: { nonce } } });
const nack = (nonce: string, reason: string): WatchRequest => ({
  kind: { $case: "nack", nack: { nonce, reason } },
});

/**
 * Applies one Discovery response to its service and says what to answer: ACK when applied,
 * NACK with the reason when rejected (the last good state is kept), and a fresh subscription
 * when a delta does not follow the version held (a missed update: start again from a snapshot).
 */
export function applyResponse(
  response: WatchResponse,
  runtimeOf: (service: string) => ServiceRuntime | undefined,
  logger: Logger,
): Reply {
  const nonce = response.nonce;
  const kind = response.kind;
  if (!kind) return { service: "", messages: [ack(nonce)], nack: false, changed: false };
  if (kind.$case === "error") {
    const e = kind.error;
    logger.warn(
      { service: e.service, code: e.code, reason: e.message },
      "subscription refused by the control plane",
    );
    runtimeOf(e.service)?.subscriptionFailed(e.message);
    return { service: e.service, messages: [ack(nonce)], nack: false, changed: false };
  }
  const service = kind.$case === "snapshot" ? kind.snapshot.service : kind.delta.service;
  const runtime = runtimeOf(service);
  if (!runtime) return { service, messages: [ack(nonce)], nack: false, changed: false };
  const view = runtime.view;
  if (kind.$case === "delta") {
    const d = kind.delta;
    if (!view.initialized || view.epoch !== response.epoch || view.version !== d.fromVersion) {
      const reason = `delta ${d.fromVersion}->${d.version} does not follow held version ${view.version}; resubscribing`;
      logger.warn({ service, epoch: response.epoch }, reason);
      return {
        service,
        nack: true,
        changed: false,
        messages: [
          nack(nonce, reason),
          { kind: { $case: "unsubscribe", unsubscribe: { service } } },
          { kind: { $case: "subscribe", subscribe: { service, knownVersion: 0 } } },
        ],
      };
    }
  }
  const outcome =
    kind.$case === "snapshot"
      ? view.applySnapshot(kind.snapshot, response.epoch)
      : view.applyDelta(kind.delta);
  runtime.applied(outcome);
  const changed =
    outcome.endpointsChanged || outcome.policyChanged || outcome.routesChanged || kind.$case === "snapshot";
  if (outcome.rejected) {
    logger.warn({ service, version: view.version, reason: outcome.rejected }, "update rejected (NACK)");
    return { service, messages: [nack(nonce, outcome.rejected)], nack: true, changed };
  }
  return { service, messages: [ack(nonce)], nack: false, changed };
}
