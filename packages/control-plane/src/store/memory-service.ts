/** One service as MemoryStore holds it: endpoints, policy, version and its capped change log. */
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { compareById, deepFreeze, overlayFromJson, routesFromJson, withDeadline } from "./records.js";
import { summarizeService } from "./summary.js";
import type { Change, EndpointRecord, ServiceState, ServiceSummary } from "./types.js";

export class MemoryService {
  /** Records as last changed; the live lease deadline is kept by the store's lease table. */
  readonly endpoints = new Map<string, EndpointRecord>();
  /** Proto3 JSON, as RedisStore keeps it, so both hand out equal policies. */
  policyJson: unknown;
  /** The route table as RedisStore keeps it (see `routesToJson`) and the version it was stored at. */
  routes: { readonly json: unknown; readonly version: number } | undefined;
  emptiedByAdmin = false;
  /** A staged rollout's overlay as RedisStore keeps it, and the version it was set at. */
  rollout: { readonly json: unknown; readonly version: number } | undefined;
  /** Since when the service has held no endpoint, policy or route table; undefined while it
   * holds any. */
  idleSinceMs: number | undefined;
  private readonly log: Change[] = [];

  /** `version` starts at the store's version floor (0 until a service was collected). */
  constructor(
    readonly service: string,
    private readonly changeLogLength: number,
    public version = 0,
  ) {}

  trackIdle(nowMs: number): void {
    const holdsNothing =
      this.endpoints.size === 0 && this.policyJson === undefined && this.routes === undefined;
    this.idleSinceMs = holdsNothing ? nowMs : undefined;
  }

  /** Bumps the version and appends the change made for it to the capped log. */
  record(make: (version: number) => Change): Change {
    this.version += 1;
    const change = deepFreeze(make(this.version));
    this.log.push(change);
    if (this.log.length > this.changeLogLength) this.log.splice(0, this.log.length - this.changeLogLength);
    return change;
  }

  changesSince(version: number): readonly Change[] | undefined {
    if (!Number.isSafeInteger(version) || version < 0 || version > this.version) return undefined;
    const missing = this.version - version;
    if (missing > this.log.length) return undefined;
    return this.log.slice(this.log.length - missing);
  }

  state(deadlineOf: (record: EndpointRecord) => number): ServiceState {
    return {
      service: this.service,
      version: this.version,
      endpoints: [...this.endpoints.values()].map((r) => withDeadline(r, deadlineOf(r))).sort(compareById),
      policy: this.policyJson === undefined ? undefined : Policy.fromJSON(this.policyJson),
      routes: this.routes === undefined ? undefined : routesFromJson(this.routes.json, this.routes.version),
      emptiedByAdmin: this.emptiedByAdmin,
      rollout:
        this.rollout === undefined ? undefined : overlayFromJson(this.rollout.json, this.rollout.version),
    };
  }

  summary(): ServiceSummary {
    return summarizeService(
      this.service,
      this.version,
      this.endpoints.values(),
      this.policyJson !== undefined,
    );
  }
}
