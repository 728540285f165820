import type { Clock } from "@switchboard/core";
import type { Logger } from "pino";
import type { FleetRecord } from "../fleet/fleet-record.js";
import type { RolloutRecord, Store, SubscriberInfo } from "../store/types.js";
import { measureCohort } from "./cohort-gates.js";
import { decodeDoc, encodeDoc, isActive, type RolloutDoc } from "./rollout-doc.js";
import { overlayOf, step, type Transition, tookOver } from "./rollout-machine.js";

/** What the gates are measured from: the clients' reports and subscriptions, every replica's. */
export interface CohortSource {
  records(service: string): Promise<readonly FleetRecord[]>;
  subscribers(): Promise<readonly SubscriberInfo[]>;
}

export interface RolloutDriverOptions {
  readonly store: Store;
  readonly replicaId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly source: CohortSource;
  /** How long a lease on a rollout lasts unless its holder renews it. */
  readonly leaseMs: number;
  /** Time between two steps (each renews the leases held). */
  readonly stepIntervalMs: number;
}

/**
 * Drives the active rollouts of every service: each step takes or renews the lease on each one
 * (the store allows one holder at a time, with a fencing token that goes up when the holder
 * changes), measures its gates, and writes what the stage machine decides with a
 * compare-and-set on the token. Every replica runs one; a replica that stops renewing loses its
 * rollouts to another within `leaseMs`, and a write with its old token is refused.
 */
export class RolloutDriver {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private stepping: Promise<void> | undefined;
  /** The token held per service after this replica's last write. */
  private readonly tokens = new Map<string, number>();
  private stopped = false;

  constructor(private readonly opts: RolloutDriverOptions) {
    this.log = opts.logger.child({ component: "rollout-driver" });
  }

  start(): void {
    this.timer = setInterval(() => {
      if (!this.stepping) {
        this.stepping = this.stepAll().finally(() => {
          this.stepping = undefined;
        });
      }
    }, this.opts.stepIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.stepping;
  }

  /** One step over every active rollout (the timer calls it; tests may too). */
  async stepAll(): Promise<void> {
    let services: readonly string[];
    try {
      services = await this.opts.store.listRollouts();
    } catch (error) {
      this.log.debug({ err: error }, "listing rollouts failed; trying again next step");
      return;
    }
    for (const service of services) {
      if (this.stopped) return;
      try {
        await this.drive(service);
      } catch (error) {
        this.log.warn({ service, err: error }, "rollout step failed; trying again next step");
      }
    }
  }

  private async drive(service: string): Promise<void> {
    const { store, replicaId, clock } = this.opts;
    const claim = await store.claimRollout(service, replicaId, this.opts.leaseMs, clock.now());
    if (claim.status !== "claimed") {
      this.tokens.delete(service);
      return;
    }
    const { record } = claim;
    let doc = decodeDoc(record);
    if (!isActive(doc)) return;
    const now = clock.now();
    const taken = this.tokens.get(service) !== record.token;
    if (taken) doc = tookOver(doc, now, replicaId, record.token);
    const transition = await this.evaluate(service, doc, now);
    const written = await store.writeRollout({
      service,
      id: record.id,
      token: record.token,
      revision: record.revision,
      encoded: encodeDoc(transition.doc),
      active: isActive(transition.doc),
      ...transition.effect,
    });
    if (written.status === "conflict") {
      this.log.debug({ service }, "rollout moved meanwhile; stepping again next time");
      return;
    }
    this.tokens.set(service, record.token);
    this.logTransition(record, doc, transition.doc, taken);
  }

  private async evaluate(service: string, doc: RolloutDoc, now: number): Promise<Transition> {
    const { source, store } = this.opts;
    const [records, subscribers, state] = await Promise.all([
      source.records(service),
      source.subscribers(),
      store.getService(service),
    ]);
    const measure = measureCohort({
      service,
      cohortBuckets: overlayOf(doc).cohortBuckets,
      stageStartedAtMs: doc.stageStartedAtMs,
      nackAfterVersion: doc.nackAfterVersion,
      gates: doc.gates,
      records,
      subscribers,
      nowMs: now,
    });
    return step(doc, measure, now, state.version);
  }

  private logTransition(record: RolloutRecord, before: RolloutDoc, after: RolloutDoc, taken: boolean): void {
    const fields = { service: record.service, rollout: record.id, token: record.token };
    if (taken) this.log.info(fields, "driving rollout");
    if (after.state !== before.state)
      this.log.info({ ...fields, reason: after.reason }, `rollout ${after.state}`);
    else if (after.stage !== before.stage) this.log.info({ ...fields, stage: after.stage }, "rollout stage");
  }
}
