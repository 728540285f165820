import { setTimeout as sleep } from "node:timers/promises";
import type {
  AwaitPropagationRequest,
  AwaitPropagationResponse,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { invalidArgument } from "../errors.js";
import type { Store, SubscriberInfo } from "../store/types.js";
import { checkServiceName, expect } from "../validation.js";

export interface PropagationSource {
  readonly store: Store;
  readonly replicaId: string;
  /** The current store epoch as this replica's hub knows it. */
  epoch(): string;
  /** This replica's subscribers, live. */
  localSubscribers(): readonly SubscriberInfo[];
  /** How often the subscriber tables are read while waiting. */
  readonly pollIntervalMs: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_TIMEOUT_MS = 60_000;

/** Every replica's subscribers: this one's live, the others' as they last published them. */
export async function allSubscribers(source: PropagationSource): Promise<SubscriberInfo[]> {
  const published = await source.store.listSubscribers();
  return [...source.localSubscribers(), ...published.filter((s) => s.replicaId !== source.replicaId)];
}

async function progress(
  source: PropagationSource,
  service: string,
  version: number,
): Promise<AwaitPropagationResponse> {
  const epoch = source.epoch();
  let subscribers = 0;
  let acknowledged = 0;
  for (const s of await allSubscribers(source)) {
    for (const sub of s.subscriptions) {
      if (sub.service !== service) continue;
      subscribers += 1;
      const seen = Math.max(sub.ackedVersion, sub.lastNackVersion);
      if (s.epoch === epoch && seen >= version) acknowledged += 1;
    }
  }
  return { complete: acknowledged === subscribers, subscribers, acknowledged };
}

/** Waits until every subscriber of the service, on every replica, has acked or nacked
 * `version` or later in the current epoch, or the timeout passes. */
export async function awaitPropagation(
  req: AwaitPropagationRequest,
  source: PropagationSource,
  signal: AbortSignal,
): Promise<AwaitPropagationResponse> {
  const service = expect(checkServiceName(req.service));
  if (req.version < 1)
    throw invalidArgument("version", "must be >= 1 (the version Register or KeepAlive returned)");
  if (req.timeoutMs > MAX_TIMEOUT_MS) {
    throw invalidArgument(
      "timeout_ms",
      `must be between 1 and ${MAX_TIMEOUT_MS}, or 0 for ${DEFAULT_TIMEOUT_MS} (got ${req.timeoutMs})`,
    );
  }
  const deadline = Date.now() + (req.timeoutMs || DEFAULT_TIMEOUT_MS);
  for (;;) {
    const state = await progress(source, service, req.version);
    if (state.complete || signal.aborted) return state;
    const wait = Math.min(source.pollIntervalMs, deadline - Date.now());
    if (wait <= 0) return state;
    try {
      await sleep(wait, undefined, { signal });
    } catch {
      return state;
    }
  }
}
