/**
 * Versions never go backwards across a Redis failover.
 *
 * Redis replicates asynchronously: a master that dies may take acknowledged writes with it, and
 * the replica promoted in its place then holds services at versions below ones this replica
 * already published. Clients ignore a version they hold, so the mesh would silently keep two
 * histories under one version. The guard notices such a step back and starts a new epoch, so
 * every client takes a fresh snapshot of the new master's state:
 *
 * - after every reconnect, before the store reports itself available again, it reads the
 *   versions of every service it has seen in this epoch and compares them with the highest it
 *   saw (from mutation replies, reads and the change stream);
 * - on the change stream, a change whose version is not above the last one the stream carried
 *   for its service (another replica wrote on the promoted master before this one noticed) is
 *   held back and the epoch moved; listeners then get it in the new epoch, which makes them
 *   reload everything.
 *
 * A missing epoch key needs nothing here: the next operation creates a new epoch anyway.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { StoreKeys } from "./keys.js";
import { loadScript } from "./lua-script.js";
import { NamedReply } from "./reply.js";
import type { StoreLogger } from "./store-options.js";
import type { ChangeNotice } from "./types.js";

/** The highest version seen per service, within one epoch. */
export class VersionMarks {
  private epoch: string | undefined;
  private readonly highest = new Map<string, number>();
  private readonly streamed = new Map<string, number>();

  get currentEpoch(): string | undefined {
    return this.epoch;
  }

  /** A version seen anywhere: a mutation's reply, a read, the change stream. */
  saw(epoch: string, service: string, version: number): void {
    this.enter(epoch);
    if (version > (this.highest.get(service) ?? -1)) this.highest.set(service, version);
  }

  /** A change from the stream, in stream order: false when its version is not above the last
   * one the stream carried for its service in this epoch. */
  streamedInOrder(epoch: string, service: string, version: number): boolean {
    this.enter(epoch);
    const last = this.streamed.get(service);
    if (last === undefined || version > last) this.streamed.set(service, version);
    this.saw(epoch, service, version);
    return last === undefined || version > last;
  }

  services(): string[] {
    return [...this.highest.keys()];
  }

  /** The services whose version now is below one seen, with both versions. */
  behind(now: ReadonlyMap<string, number>): Array<{ service: string; seen: number; now: number }> {
    const out: Array<{ service: string; seen: number; now: number }> = [];
    for (const [service, seen] of this.highest) {
      const current = now.get(service);
      if (current !== undefined && current < seen) out.push({ service, seen, now: current });
    }
    return out;
  }

  private enter(epoch: string): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.highest.clear();
    this.streamed.clear();
  }
}

const READ_VERSIONS = loadScript("read_versions");
const ADVANCE_EPOCH = loadScript("advance_epoch");
/** Services read per round trip when comparing after a reconnect. */
const READ_BATCH = 500;

export interface ContinuityGuardOptions {
  readonly client: Redis;
  readonly keys: StoreKeys;
  readonly logger: StoreLogger | undefined;
  /** Sees the epoch the guard moved to. */
  readonly onEpoch: (epoch: string) => void;
}

export class ContinuityGuard {
  private readonly marks = new VersionMarks();
  private advancing: Promise<string> | undefined;
  /** Epochs this guard moved away from: changes still in the stream from them are dropped
   * (listeners reload everything in the new epoch), so nobody is taken back to one. */
  private readonly retired = new Set<string>();
  /** The newest change held back while the epoch moves. */
  private heldBack: ChangeNotice | undefined;

  constructor(private readonly o: ContinuityGuardOptions) {}

  saw(epoch: string, service: string, version: number): void {
    this.marks.saw(epoch, service, version);
  }

  /** Hands a change from the stream on, unless it shows the stream went back: then the epoch
   * moves first, and the change is handed on in the new epoch. */
  streamed(notice: ChangeNotice, deliver: (notice: ChangeNotice) => void): void {
    if (this.retired.has(notice.epoch)) return;
    if (this.advancing) {
      this.heldBack = notice;
      return;
    }
    if (this.marks.streamedInOrder(notice.epoch, notice.service, notice.version)) {
      deliver(notice);
      return;
    }
    this.o.logger?.warn(
      { service: notice.service, version: notice.version, epoch: notice.epoch },
      "the change stream went back (Redis lost writes in a failover); starting a new epoch",
    );
    this.heldBack = notice;
    void this.advance(notice.epoch).then(
      (epoch) => {
        const last = this.heldBack;
        this.heldBack = undefined;
        if (last) deliver({ ...last, epoch });
      },
      (error: unknown) => {
        this.o.logger?.error({ err: error }, "could not start a new epoch; changes held back");
      },
    );
  }

  /**
   * Compares what Redis holds now with what this replica saw; moves to a new epoch when Redis
   * is behind. Resolves to the services found behind (empty: nothing was lost).
   */
  async verify(): Promise<Array<{ service: string; seen: number; now: number }>> {
    const epoch = this.marks.currentEpoch;
    const services = this.marks.services();
    if (epoch === undefined || services.length === 0) return [];
    const now = new Map<string, number>();
    for (let i = 0; i < services.length; i += READ_BATCH) {
      const batch = services.slice(i, i + READ_BATCH);
      const raw = await READ_VERSIONS.run(this.o.client, [this.o.keys.epoch], [this.o.keys.tag, ...batch]);
      const reply = new NamedReply(raw, "read_versions");
      // Another epoch (a wipe, or another replica already moved it): nothing of ours to compare.
      if (reply.string("epoch") !== epoch) return [];
      const versions = reply.values("versions");
      for (const [j, service] of batch.entries()) now.set(service, Number(versions[j]));
    }
    const behind = this.marks.behind(now);
    if (behind.length > 0) {
      this.o.logger?.warn(
        { epoch, behind: behind.slice(0, 10), services: behind.length },
        "Redis is behind what this replica saw (writes lost in a failover); starting a new epoch",
      );
      await this.advance(epoch);
    }
    return behind;
  }

  /** Moves the store from `from` to a new epoch (unless it already moved); resolves to the
   * epoch now current. */
  private advance(from: string): Promise<string> {
    this.advancing ??= (async () => {
      try {
        const candidate = randomUUID();
        const raw = await ADVANCE_EPOCH.run(
          this.o.client,
          [this.o.keys.epoch],
          [this.o.keys.tag, from, candidate],
        );
        const epoch = new NamedReply(raw, "advance_epoch").string("epoch");
        if (epoch !== from) {
          if (this.retired.size >= 16) this.retired.clear();
          this.retired.add(from);
        }
        this.o.onEpoch(epoch);
        return epoch;
      } finally {
        this.advancing = undefined;
      }
    })();
    return this.advancing;
  }
}
