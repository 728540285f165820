/** Closed-loop load through a mesh channel: every call's start, end, status and server. */
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { EchoServiceClient } from "../../../src/gen/echo/v1/echo.js";

export interface CallRecord {
  readonly startMs: number;
  readonly endMs: number;
  readonly code: number;
  readonly details: string;
  readonly servedBy: string;
}

export interface LoadOptions {
  /** Calls kept in flight. */
  readonly concurrency: number;
  /** Deadline of each call, ms. */
  readonly deadlineMs: number;
}

export class CallLoad {
  readonly records: CallRecord[] = [];
  /** Start times of the calls not yet ended, by call number. */
  private readonly inFlight = new Map<number, number>();
  private seq = 0;
  private running = true;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly client: EchoServiceClient,
    private readonly options: LoadOptions,
  ) {
    for (let i = 0; i < options.concurrency; i++) this.workers.push(this.work());
  }

  get failures(): CallRecord[] {
    return this.records.filter((r) => r.code !== status.OK);
  }

  /**
   * Failures of calls the dying server had begun to answer: their response headers arrived, so
   * gRPC has committed them and no retry may follow (grpc-js then reports "Connection dropped").
   * The SDK completes those whose single response message had arrived (a mesh server marks such
   * methods); any left here would be a call cut before its message.
   */
  get cutMidResponse(): CallRecord[] {
    return this.failures.filter((r) => r.code === status.UNAVAILABLE && r.details === "Connection dropped");
  }

  /** Start time of the oldest call still in flight, or undefined. */
  oldestInFlight(): number | undefined {
    let oldest: number | undefined;
    for (const t of this.inFlight.values()) if (oldest === undefined || t < oldest) oldest = t;
    return oldest;
  }

  /** Calls that ended OK, answered by `address`, started at or after `sinceMs`. */
  servedBy(address: string, sinceMs = 0): number {
    return this.records.filter((r) => r.code === status.OK && r.servedBy === address && r.startMs >= sinceMs)
      .length;
  }

  /** Calls that ended in [fromMs, toMs). */
  endedBetween(fromMs: number, toMs: number): CallRecord[] {
    return this.records.filter((r) => r.endMs >= fromMs && r.endMs < toMs);
  }

  /** The longest call that started in [fromMs, toMs), in ms. */
  longest(fromMs = 0, toMs = Number.POSITIVE_INFINITY): number {
    let max = 0;
    for (const r of this.records)
      if (r.startMs >= fromMs && r.startMs < toMs) max = Math.max(max, r.endMs - r.startMs);
    return max;
  }

  /** Calls started in [fromMs, toMs) that took longer than `ms`. */
  slowerThan(ms: number, fromMs = 0, toMs = Number.POSITIVE_INFINITY): number {
    return this.records.filter((r) => r.startMs >= fromMs && r.startMs < toMs && r.endMs - r.startMs > ms)
      .length;
  }

  /** Latency percentile (0..100) of OK calls, ms. */
  percentile(p: number): number {
    const ok = this.records.filter((r) => r.code === status.OK).map((r) => r.endMs - r.startMs);
    if (ok.length === 0) return 0;
    ok.sort((a, b) => a - b);
    return ok[Math.min(ok.length - 1, Math.floor((p / 100) * ok.length))] ?? 0;
  }

  /** "CODE details" of the first failures, for reports. */
  failureSample(n = 3): string[] {
    return this.failures.slice(0, n).map((r) => `${status[r.code] ?? r.code}: ${r.details}`);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (this.running) {
      const record = await this.once();
      this.records.push(record);
      if (record.code === -1) return;
    }
  }

  private once(): Promise<CallRecord> {
    const startMs = Date.now();
    const id = ++this.seq;
    this.inFlight.set(id, startMs);
    return new Promise<CallRecord>((resolve) => {
      const done = (e: ServiceError | null, r?: { servedBy: string }) => {
        this.inFlight.delete(id);
        resolve({
          startMs,
          endMs: Date.now(),
          code: e ? e.code : status.OK,
          details: e?.details ?? "",
          servedBy: r?.servedBy ?? "",
        });
      };
      try {
        this.client.echo(
          { message: "x", payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 },
          new Metadata(),
          { deadline: startMs + this.options.deadlineMs },
          done,
        );
      } catch (e) {
        // The channel was closed under the loop (cleanup after a failure): stop quietly.
        this.inFlight.delete(id);
        this.running = false;
        resolve({ startMs, endMs: Date.now(), code: -1, details: String(e), servedBy: "" });
      }
    });
  }
}
