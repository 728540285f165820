import type { SubscriptionInfo } from "../store/types.js";
import type { EntryListener } from "./service-entry.js";

/** What the next response of a subscription must be. */
export type SubscriptionMode =
  /** A full snapshot (new subscription, unknown or stale version, new epoch). */
  | "snapshot"
  /** The client holds `resumeFrom`: send what changed since (an empty delta when current). */
  | "resume"
  /** Deltas from `sentVersion`. */
  | "live";

/** One service subscribed on one Discovery stream. */
export class Subscription implements EntryListener {
  mode: SubscriptionMode;
  resumeFrom: number;
  /** The epoch the versions below belong to. */
  epoch: string;
  sentVersion = 0;
  ackedVersion = 0;
  /** The route version of the state at `ackedVersion`. */
  ackedRouteVersion = 0;
  nackCount = 0;
  lastNackVersion = 0;
  lastNackReason = "";

  constructor(
    readonly service: string,
    epoch: string,
    knownVersion: number,
    private readonly onDirty: (service: string) => void,
    /** The client's `stickyBucket(clientId)`, which places it in or out of a rollout's cohort;
     * undefined for a subscriber that always gets the baseline (xDS). */
    readonly cohortBucket?: number,
  ) {
    this.epoch = epoch;
    this.resumeFrom = knownVersion;
    this.mode = knownVersion > 0 ? "resume" : "snapshot";
  }

  /** The service moved (or became readable): the owning stream sends the latest state. */
  notify(): void {
    this.onDirty(this.service);
  }

  /** The store was wiped: versions restart, so the next response is a snapshot. */
  startEpoch(epoch: string): void {
    this.epoch = epoch;
    this.mode = "snapshot";
    this.sentVersion = 0;
    this.ackedVersion = 0;
    this.ackedRouteVersion = 0;
    this.lastNackVersion = 0;
  }

  sent(version: number): void {
    this.sentVersion = version;
    this.mode = "live";
  }

  /** The client applied `version`, whose state had route version `routeVersion`. */
  acked(version: number, routeVersion: number): void {
    if (version <= this.ackedVersion) return;
    this.ackedVersion = version;
    this.ackedRouteVersion = routeVersion;
  }

  nacked(version: number, reason: string): void {
    this.nackCount += 1;
    this.lastNackVersion = version;
    this.lastNackReason = reason;
  }

  /** What it has been sent and has acked, as seen in `epoch` (nothing, for an older epoch). */
  info(epoch: string): SubscriptionInfo {
    const current = epoch === this.epoch;
    return {
      service: this.service,
      sentVersion: current ? this.sentVersion : 0,
      ackedVersion: current ? this.ackedVersion : 0,
      nackCount: this.nackCount,
      lastNackVersion: current ? this.lastNackVersion : 0,
      lastNackReason: this.lastNackReason,
      ackedRouteVersion: current ? this.ackedRouteVersion : 0,
    };
  }
}
