import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { EchoServiceClient } from "../../src/gen/echo/v1/echo.js";

export interface CallRecord {
  readonly at: number;
  readonly servedBy: string;
  readonly code: number;
  readonly details: string;
}

/** Keeps `concurrency` calls in flight until stopped; records every outcome. */
export class LoadLoop {
  readonly records: CallRecord[] = [];
  private running = true;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly client: EchoServiceClient,
    concurrency: number,
    private readonly deadlineMs = 2000,
    private readonly metadata: () => Metadata = () => new Metadata(),
  ) {
    for (let i = 0; i < concurrency; i++) this.workers.push(this.work());
  }

  get failures(): CallRecord[] {
    return this.records.filter((r) => r.code !== 0);
  }

  /** Calls answered by `address` at or after `sinceMs`. */
  servedBySince(address: string, sinceMs: number): number {
    return this.records.filter((r) => r.servedBy === address && r.at >= sinceMs).length;
  }

  share(sinceMs = 0, untilMs = Number.POSITIVE_INFINITY): Map<string, number> {
    const counts = new Map<string, number>();
    let total = 0;
    for (const r of this.records) {
      if (r.at < sinceMs || r.at >= untilMs || r.code !== 0) continue;
      counts.set(r.servedBy, (counts.get(r.servedBy) ?? 0) + 1);
      total++;
    }
    for (const [k, v] of counts) counts.set(k, v / total);
    return counts;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (this.running) {
      const record = await this.once().catch((e: unknown): CallRecord => {
        // The client was closed under the loop (a failed test's cleanup): stop quietly.
        this.running = false;
        return { at: Date.now(), servedBy: "", code: -1, details: String(e) };
      });
      this.records.push(record);
    }
  }

  private once(): Promise<CallRecord> {
    return new Promise<CallRecord>((resolve) => {
      const metadata = this.metadata();
      const args = { message: "x", payload: Buffer.alloc(0), delayMs: 0, failWithCode: 0 };
      const options = { deadline: Date.now() + this.deadlineMs };
      const done = (e: ServiceError | null, r?: { servedBy: string }) =>
        resolve({
          at: Date.now(),
          servedBy: r?.servedBy ?? "",
          code: e?.code ?? 0,
          details: e?.details ?? "",
        });
      this.client.echo(args, metadata, options, done);
    });
  }
}
