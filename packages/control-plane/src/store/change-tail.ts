/**
 * Tails the shared change stream on a connection of its own (XREAD BLOCK) and hands every entry,
 * in stream order, to the store's listeners. After a reconnect it resumes from the last id it
 * delivered, so a blip loses nothing the stream still holds; when the stream was trimmed past
 * entries it never delivered (it fell behind by more than the stream keeps), it says so through
 * `onGap`, and the store's followers read every service again.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Redis } from "ioredis";
import { parseChange } from "./change-codec.js";
import type { StoreLogger } from "./store-options.js";
import type { ChangeNotice } from "./types.js";

export interface ChangeTailOptions {
  readonly streamKey: string;
  readonly blockMs: number;
  readonly batchSize: number;
  readonly logger: StoreLogger | undefined;
}

type StreamEntry = [id: string, fields: string[]];

export class ChangeStreamTail {
  private lastId: string | undefined;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private markStarted: () => void = () => {};
  /** Resolves once the tail knows where the stream ends, so later changes are all delivered. */
  readonly started: Promise<void>;

  constructor(
    private readonly client: Redis,
    private readonly options: ChangeTailOptions,
    private readonly deliver: (notice: ChangeNotice) => void,
    private readonly onGap: () => void,
  ) {
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    this.client.disconnect();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.untilReady();
        if (this.stopped) break;
        if (this.lastId === undefined) {
          this.lastId = await this.newestId();
          this.markStarted();
        }
        await this.readOnce();
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        failures += 1;
        if (failures === 1) this.options.logger?.warn({ err: error }, "change stream read failed; retrying");
        // A disconnect is waited out in untilReady; this only keeps other errors from spinning.
        await delay(Math.min(1000, 50 * failures), undefined, { signal: this.stopper.signal }).catch(
          () => {},
        );
      }
    }
  }

  private async readOnce(): Promise<void> {
    const { streamKey, batchSize, blockMs } = this.options;
    const from = this.lastId ?? "$";
    const reply = await this.client.xread("COUNT", batchSize, "BLOCK", blockMs, "STREAMS", streamKey, from);
    const entries = (reply?.[0]?.[1] ?? []) as StreamEntry[];
    if (entries.length === 0) {
      await this.rewindIfRecreated();
      return;
    }
    const before = this.lastId;
    for (const [id, fields] of entries) {
      this.lastId = id;
      this.deliverEntry(id, fields);
    }
    const firstOfBatch = entries[0]?.[0];
    if (before !== undefined && firstOfBatch !== undefined) await this.checkForGap(before, firstOfBatch);
  }

  /**
   * Trimming removes entries oldest first. While the last entry delivered before this batch is
   * still in the stream, nothing after it can have been trimmed; once the stream's first entry
   * is past it, entries this tail never delivered may have gone. (A tail trailing right behind
   * the trimming, about to fall behind anyway, may re-read once without need.)
   */
  private async checkForGap(deliveredBefore: string, firstOfBatch: string): Promise<void> {
    const first = await this.client.xrange(this.options.streamKey, "-", "+", "COUNT", 1);
    const firstId = first[0]?.[0];
    const mustStillHold = deliveredBefore === "0-0" ? firstOfBatch : deliveredBefore;
    if (firstId === undefined || compareIds(firstId, mustStillHold) <= 0) return;
    this.options.logger?.warn(
      { delivered: deliveredBefore, firstKept: firstId },
      "fell behind the trimmed change stream; reading every service again",
    );
    this.onGap();
  }

  /**
   * A wiped store starts a new stream whose ids may sort below the last one delivered (same
   * millisecond, or a server clock that went back): XREAD would skip those entries forever.
   */
  private async rewindIfRecreated(): Promise<void> {
    const newest = await this.newestId();
    if (this.lastId !== undefined && newest !== "0-0" && compareIds(newest, this.lastId) < 0) {
      this.options.logger?.warn(
        { lastId: this.lastId, newest },
        "change stream was recreated; reading it from the start",
      );
      this.lastId = "0-0";
    }
  }

  private async newestId(): Promise<string> {
    const newest = await this.client.xrevrange(this.options.streamKey, "+", "-", "COUNT", 1);
    return newest[0]?.[0] ?? "0-0";
  }

  private deliverEntry(id: string, fields: string[]): void {
    let epoch: string | undefined;
    let change: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === "e") epoch = fields[i + 1];
      else if (fields[i] === "c") change = fields[i + 1];
    }
    try {
      if (epoch === undefined || change === undefined) throw new Error("entry lacks its e or c field");
      this.deliver({ ...parseChange(change), epoch });
    } catch (error) {
      this.options.logger?.error({ err: error, id }, "skipping unreadable change stream entry");
    }
  }

  private untilReady(): Promise<void> {
    if (this.client.status === "ready") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.client.off("ready", done);
        this.stopper.signal.removeEventListener("abort", done);
        resolve();
      };
      this.client.on("ready", done);
      this.stopper.signal.addEventListener("abort", done);
    });
  }
}

/** Orders stream ids ("<ms>-<seq>") numerically. */
export function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split("-").map(Number);
  const [bMs = 0, bSeq = 0] = b.split("-").map(Number);
  return aMs - bMs || aSeq - bSeq;
}
