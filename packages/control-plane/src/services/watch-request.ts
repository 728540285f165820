/** Applies one WatchRequest (after Hello) to a stream's session. */
import { status } from "@grpc/grpc-js";
import type { WatchRequest } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { ControlPlaneError, invalidArgument } from "../errors.js";
import type { WatchSession } from "../hub/watch-session.js";
import { checkServiceName } from "../validation.js";

const MAX_NONCE_LENGTH = 128;
const MAX_REASON_LENGTH = 1024;

/** Subscribes, or answers with a SubscriptionError; throws when the stream must end. */
export function subscribeOrReject(
  session: WatchSession,
  rawService: string,
  knownVersion: number,
  field: string,
): void {
  const name = checkServiceName(rawService, field);
  const outcome = name.ok
    ? session.subscribe(name.value, knownVersion)
    : {
        ok: false as const,
        code: status.INVALID_ARGUMENT,
        message: `${name.error.field}: ${name.error.message}`,
      };
  if (outcome.ok) return;
  if (!session.reject(rawService.slice(0, 128), outcome.code, outcome.message)) {
    throw new ControlPlaneError(
      status.RESOURCE_EXHAUSTED,
      "too many subscription errors waiting to be read; read the stream and fix the subscriptions",
    );
  }
}

export function applyWatchRequest(session: WatchSession, req: WatchRequest): void {
  const kind = req.kind;
  switch (kind?.$case) {
    case undefined:
      throw invalidArgument(
        "kind",
        "a WatchRequest must set one of hello, subscribe, unsubscribe, ack, nack, report",
      );
    case "hello":
      throw invalidArgument("hello", "sent twice; a stream says hello once, first");
    case "subscribe":
      subscribeOrReject(session, kind.subscribe.service, kind.subscribe.knownVersion, "subscribe.service");
      return;
    case "unsubscribe":
      session.unsubscribe(kind.unsubscribe.service);
      return;
    case "ack":
      if (kind.ack.nonce.length <= MAX_NONCE_LENGTH) session.ack(kind.ack.nonce);
      else session.ack("");
      return;
    case "nack":
      session.nack(
        kind.nack.nonce.length <= MAX_NONCE_LENGTH ? kind.nack.nonce : "",
        kind.nack.reason.slice(0, MAX_REASON_LENGTH),
      );
      return;
  }
}
