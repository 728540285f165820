import {
  type CallOptions,
  type ChannelCredentials,
  Client,
  Metadata,
  type MethodDefinition,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { MeshError } from "@switchboard/core";

export interface CallOptionsLike {
  /** Deadline for the whole call (all attempts), ms from now. The policy's default applies when unset; the shorter wins. */
  readonly deadlineMs?: number;
  /** Aborting cancels the call (it rejects with CANCELLED and is not retried). */
  readonly signal?: AbortSignal;
  /** Request metadata (e.g. the ring_hash key header). */
  readonly metadata?: Metadata | Readonly<Record<string, string>>;
}

/** What `call()` needs of a generated method definition. */
export type MethodDescriptor<Req, Res> = Pick<
  MethodDefinition<Req, Res>,
  "path" | "requestSerialize" | "responseDeserialize"
>;

/** A unary method: a generated definition (typed), or a path with raw bytes in and out. */
export type UnaryMethod<Req, Res> = MethodDescriptor<Req, Res> | string;

const identity = (b: Buffer): Buffer => b;

function toMetadata(m: CallOptionsLike["metadata"]): Metadata {
  if (m instanceof Metadata) return m;
  const out = new Metadata();
  for (const [k, v] of Object.entries(m ?? {})) out.set(k, v);
  return out;
}

function normalizePath(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}

/** One grpc-js client per service for untyped calls; the channel does the mesh work. */
export class DynamicCaller {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly meshName: string,
    private readonly credentials: ChannelCredentials,
  ) {}

  call<Req, Res>(
    service: string,
    method: UnaryMethod<Req, Res>,
    request: Req,
    options: CallOptionsLike = {},
  ) {
    const signal = options.signal;
    if (signal?.aborted) {
      return Promise.reject(
        new MeshError(status.CANCELLED, "call aborted before it started", { cause: signal.reason }),
      );
    }
    const path = normalizePath(typeof method === "string" ? method : method.path);
    const serialize = (typeof method === "string" ? identity : method.requestSerialize) as (r: Req) => Buffer;
    const deserialize = (typeof method === "string" ? identity : method.responseDeserialize) as (
      b: Buffer,
    ) => Res;
    const callOptions: CallOptions = {};
    if (options.deadlineMs !== undefined) callOptions.deadline = Date.now() + options.deadlineMs;
    return new Promise<Res>((resolve, reject) => {
      const call = this.client(service).makeUnaryRequest(
        path,
        serialize,
        deserialize,
        request,
        toMetadata(options.metadata),
        callOptions,
        (error: ServiceError | null, response?: Res) => {
          signal?.removeEventListener("abort", onAbort);
          if (error) reject(new MeshError(error.code, error.details, { cause: error }));
          else resolve(response as Res);
        },
      );
      const onAbort = () => call.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(service: string): Client {
    let client = this.clients.get(service);
    if (!client) {
      client = new Client(`mesh://${this.meshName}/${service}`, this.credentials);
      this.clients.set(service, client);
    }
    return client;
  }
}
