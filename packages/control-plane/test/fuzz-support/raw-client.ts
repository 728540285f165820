/**
 * A grpc-js client that sends bytes as they are (identity serializers) to any method path of
 * the control plane, unary or bidirectional, and reports how each call ended.
 */
import {
  type Client,
  type ClientDuplexStream,
  credentials,
  type Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";

const identity = (b: Buffer): Buffer => b;

export interface CallEnd {
  readonly code: number;
  readonly details: string;
  /** Response messages (one for a unary OK). */
  readonly responses: Buffer[];
  /** The call did not end by its deadline (the client gave up). */
  readonly timedOut: boolean;
  readonly ms: number;
}

/** A client class with no methods of its own: every call names its path. */
const RawClientBase = makeGenericClientConstructor({}, "Raw", {});

export class RawClient {
  private readonly client: Client;

  constructor(address: string) {
    this.client = new RawClientBase(address, credentials.createInsecure(), {
      // Let oversized requests reach the server, which must refuse them itself.
      "grpc.max_send_message_length": -1,
      "grpc.max_receive_message_length": -1,
    });
  }

  /** One unary call. `deadlineMs` from now; a DEADLINE_EXCEEDED raised locally sets `timedOut`. */
  unary(path: string, body: Uint8Array, metadata: Metadata, deadlineMs: number): Promise<CallEnd> {
    const started = Date.now();
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        identity,
        identity,
        Buffer.from(body),
        metadata,
        { deadline: started + deadlineMs },
        (error: ServiceError | null, response?: Buffer) => {
          const ms = Date.now() - started;
          const code = error ? error.code : status.OK;
          resolve({
            code,
            details: error?.details ?? "",
            responses: response ? [response] : [],
            timedOut: code === status.DEADLINE_EXCEEDED && ms >= deadlineMs - 5,
            ms,
          });
        },
      );
    });
  }

  /** A bidirectional stream of raw messages. */
  stream(path: string, metadata: Metadata, deadlineMs: number): RawStream {
    const call = this.client.makeBidiStreamRequest(path, identity, identity, metadata, {
      deadline: Date.now() + deadlineMs,
    });
    return new RawStream(call, deadlineMs);
  }

  close(): void {
    this.client.close();
  }
}

export class RawStream {
  readonly responses: Buffer[] = [];
  readonly ended: Promise<CallEnd>;
  private readonly started = Date.now();

  constructor(
    readonly call: ClientDuplexStream<Buffer, Buffer>,
    deadlineMs: number,
  ) {
    call.on("data", (b: Buffer) => this.responses.push(b));
    this.ended = new Promise((resolve) => {
      let done = false;
      const finish = (code: number, details: string) => {
        if (done) return;
        done = true;
        const ms = Date.now() - this.started;
        resolve({
          code,
          details,
          responses: this.responses,
          timedOut: code === status.DEADLINE_EXCEEDED && ms >= deadlineMs - 5,
          ms,
        });
      };
      call.on("error", (e: ServiceError) => finish(e.code, e.details));
      call.on("status", (s: { code: number; details: string }) => finish(s.code, s.details));
    });
  }

  write(body: Uint8Array): void {
    this.call.write(Buffer.from(body));
  }

  halfClose(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }
}
