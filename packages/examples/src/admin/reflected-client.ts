import { type DescService, fromBinary, fromJson, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import { type ChannelCredentials, Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { loadDescriptors } from "./reflection.js";

export interface ReflectedClientOptions {
  /** Default: insecure (plaintext), like `grpcurl -plaintext`. */
  readonly credentials?: ChannelCredentials;
  /** Sent as `authorization: Bearer <token>` on every call, like `grpcurl -H`. */
  readonly token?: string;
  /** Deadline of each call (reflection included), ms. Default 5000. */
  readonly deadlineMs?: number;
}

/**
 * A client for any unary method of one gRPC service, driven by JSON and by the descriptors the
 * server publishes over reflection: what grpcurl does, in-process. No .proto file or generated
 * code is needed on this side.
 */
export class ReflectedClient {
  private constructor(
    private readonly client: Client,
    private readonly service: DescService,
    private readonly o: ReflectedClientOptions,
  ) {}

  /** Connects to `address` and loads `serviceName`'s schema over server reflection. */
  static async connect(
    address: string,
    serviceName: string,
    o: ReflectedClientOptions = {},
  ): Promise<ReflectedClient> {
    const client = new Client(address, o.credentials ?? credentials.createInsecure());
    try {
      const deadline = Date.now() + (o.deadlineMs ?? 5000);
      const registry = await loadDescriptors(client, serviceName, metadataFor(o.token), { deadline });
      const service = registry.getService(serviceName);
      if (!service) throw new Error(`${address} does not describe the service "${serviceName}"`);
      return new ReflectedClient(client, service, o);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** Method names of the service, as in `grpcurl list <service>`. */
  get methods(): string[] {
    return this.service.methods.map((m) => m.name);
  }

  /**
   * Calls `method` with a request in proto3 JSON form; resolves with the response as proto3
   * JSON. Rejects with the gRPC error (code, details), or before sending anything when the
   * method does not exist or the request does not fit its schema.
   */
  async call(method: string, request: JsonValue): Promise<JsonValue> {
    const m = this.service.methods.find((x) => x.name === method);
    if (m?.methodKind !== "unary") {
      throw new Error(`${this.service.typeName} has no unary method "${method}"`);
    }
    const message = fromJson(m.input, request);
    const path = `/${this.service.typeName}/${m.name}`;
    const deadline = Date.now() + (this.o.deadlineMs ?? 5000);
    return await new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        () => Buffer.from(toBinary(m.input, message)),
        (bytes: Buffer) => fromBinary(m.output, bytes),
        message,
        metadataFor(this.o.token),
        { deadline },
        (error: ServiceError | null, response) => {
          if (error || response === undefined) return reject(error ?? new Error(`${path}: empty response`));
          resolve(toJson(m.output, response));
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

function metadataFor(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** The grpcurl command that makes the same call (for showing operators what just happened). */
export function grpcurlCommand(
  address: string,
  fullMethod: string,
  request: JsonValue,
  token?: string,
): string {
  const auth = token ? ` -H 'authorization: Bearer ${token}'` : "";
  return `grpcurl -plaintext${auth} -d '${JSON.stringify(request)}' ${address} ${fullMethod}`;
}
