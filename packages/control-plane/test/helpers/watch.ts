/** A Discovery Watch stream for tests: read responses one by one, with a timeout. */
import { type ClientDuplexStream, Metadata, type ServiceError } from "@grpc/grpc-js";
import type {
  DiscoveryClient,
  WatchRequest,
  WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";

export class WatchClient {
  readonly stream: ClientDuplexStream<WatchRequest, WatchResponse>;
  private readonly queue: WatchResponse[] = [];
  private waiter: (() => void) | undefined;
  /** The status the stream ended with, once it has. */
  ended: { code: number; details: string } | undefined;
  received = 0;

  constructor(client: DiscoveryClient, metadata = new Metadata()) {
    this.stream = client.watch(metadata);
    this.stream.on("data", (r: WatchResponse) => {
      this.received += 1;
      this.queue.push(r);
      this.wake();
    });
    this.stream.on("error", (e: ServiceError) => {
      this.ended = { code: e.code, details: e.details };
      this.wake();
    });
    this.stream.on("status", (s: { code: number; details: string }) => {
      this.ended ??= { code: s.code, details: s.details };
      this.wake();
    });
  }

  send(request: WatchRequest): void {
    this.stream.write(request);
  }

  hello(
    clientId = "test-client",
    extra: Partial<{ epoch: string; knownVersions: Record<string, number>; zone: string }> = {},
  ): void {
    this.send({
      kind: {
        $case: "hello",
        hello: {
          clientId,
          zone: extra.zone ?? "",
          sdkVersion: "test",
          epoch: extra.epoch ?? "",
          knownVersions: extra.knownVersions ?? {},
        },
      },
    });
  }

  subscribe(service: string, knownVersion = 0): void {
    this.send({ kind: { $case: "subscribe", subscribe: { service, knownVersion } } });
  }

  ack(r: WatchResponse): void {
    this.send({ kind: { $case: "ack", ack: { nonce: r.nonce } } });
  }

  nack(r: WatchResponse, reason: string): void {
    this.send({ kind: { $case: "nack", nack: { nonce: r.nonce, reason } } });
  }

  /** The next response (waits up to `timeoutMs`). */
  async next(timeoutMs = 5000): Promise<WatchResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.queue.shift();
      if (r) return r;
      if (this.ended)
        throw new Error(
          `stream ended (${this.ended.code}: ${this.ended.details}) while waiting for a response`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no response within the timeout");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Reads (and acks) responses until one matches. */
  async until(match: (r: WatchResponse) => boolean, timeoutMs = 5000): Promise<WatchResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.next(Math.max(1, deadline - Date.now()));
      this.ack(r);
      if (match(r)) return r;
    }
  }

  /** Resolves with the final status once the server ends the stream. */
  async status(timeoutMs = 5000): Promise<{ code: number; details: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("the stream did not end within the timeout");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.queue.length = 0;
    }
    return this.ended;
  }

  close(): void {
    this.stream.cancel();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

export function snapshotOf(r: WatchResponse) {
  if (r.kind?.$case !== "snapshot") throw new Error(`expected a snapshot, got ${r.kind?.$case ?? "nothing"}`);
  return r.kind.snapshot;
}

export function deltaOf(r: WatchResponse) {
  if (r.kind?.$case !== "delta") throw new Error(`expected a delta, got ${r.kind?.$case ?? "nothing"}`);
  return r.kind.delta;
}

export function errorOf(r: WatchResponse) {
  if (r.kind?.$case !== "error") throw new Error(`expected an error, got ${r.kind?.$case ?? "nothing"}`);
  return r.kind.error;
}
