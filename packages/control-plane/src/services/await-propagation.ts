import type {
  AwaitPropagationRequest,
  AwaitPropagationResponse,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { invalidArgument } from "../errors.js";
import type { Store, SubscriberInfo } from "../store/types.js";
import { checkServiceName, expect } from "../validation.js";

/** Where the subscribers of every replica are read, and AwaitPropagation waits. */
export interface PropagationSource {
  readonly store: Store;
  readonly replicaId: string;
  /** This replica's subscribers, live. */
  localSubscribers(): readonly SubscriberInfo[];
  /** Resolves with the progress once every subscriber of `service` has seen `version`, at
   * `deadlineMs` (epoch ms) or when `signal` aborts; throws RESOURCE_EXHAUSTED when too many
   * calls wait already. */
  waitFor(
    service: string,
    version: number,
    deadlineMs: number,
    signal: AbortSignal,
  ): Promise<AwaitPropagationResponse>;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_TIMEOUT_MS = 60_000;

/** Every replica's subscribers: this one's live, the others' as they last published them. */
export async function allSubscribers(
  source: Pick<PropagationSource, "store" | "replicaId" | "localSubscribers">,
): Promise<SubscriberInfo[]> {
  const published = await source.store.listSubscribers();
  return [...source.localSubscribers(), ...published.filter((s) => s.replicaId !== source.replicaId)];
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
  return source.waitFor(service, req.version, Date.now() + (req.timeoutMs || DEFAULT_TIMEOUT_MS), signal);
}
