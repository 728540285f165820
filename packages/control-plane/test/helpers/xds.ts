/** Real parts for xDS tests: echo servers on 127.0.0.1:0 registered through the Registration
 * API, and echo clients over `xds:///` through @grpc/grpc-js-xds. */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { RegistrationClient } from "@switchboard/core/gen/switchboard/v1/registration.js";
import { xdsServices } from "../../src/xds/protos.js";
import { call, registerRequest } from "./control-plane.js";

const ECHO_PROTO = fileURLToPath(new URL("../../../../proto/echo/v1/echo.proto", import.meta.url));

interface EchoReply {
  readonly served_by: string;
}
type EchoClient = grpc.Client & {
  Echo(
    req: object,
    md: grpc.Metadata,
    options: grpc.CallOptions,
    cb: (e: grpc.ServiceError | null, r: EchoReply) => void,
  ): void;
};

function echoPackage() {
  const def = loadSync(ECHO_PROTO, { keepCase: true });
  const loaded = grpc.loadPackageDefinition(def) as unknown as {
    echo: { v1: { EchoService: grpc.ServiceClientConstructor } };
  };
  return loaded.echo.v1.EchoService;
}

export interface EchoServer {
  readonly port: number;
  readonly id: string;
  /** Ends it at once, as a crash would (connections cut). */
  kill(): void;
}

export async function startEchoServer(): Promise<EchoServer> {
  const server = new grpc.Server();
  let id = "";
  server.addService(echoPackage().service, {
    Echo: (_c: grpc.ServerUnaryCall<object, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) =>
      cb(null, { served_by: id }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  id = `127.0.0.1:${port}`;
  return { port, id, kill: () => server.forceShutdown() };
}

/** Registers an instance through the Registration API (no keep-alive: the lease runs out after
 * `ttlMs`); resolves with its lease id and the service version it made. */
export async function register(
  address: string,
  service: string,
  port: number,
  ttlMs = 120_000,
  metadata: Record<string, string> = {},
): Promise<{ leaseId: string; version: number }> {
  const client = new RegistrationClient(address, grpc.credentials.createInsecure());
  try {
    const req = registerRequest({ service, host: "127.0.0.1", port, ttlMs, zone: "", metadata });
    const res = await call(client.register.bind(client), req);
    return { leaseId: res.leaseId, version: res.version };
  } finally {
    client.close();
  }
}

export async function deregister(address: string, leaseId: string): Promise<void> {
  const client = new RegistrationClient(address, grpc.credentials.createInsecure());
  try {
    await call(client.deregister.bind(client), { leaseId });
  } finally {
    client.close();
  }
}

export interface XdsEchoClient {
  /** One call; resolves with the instance that served it. */
  echo(metadata?: Record<string, string>): Promise<string>;
  close(): void;
}

/** An echo client for `xds:///<service>` (the xds resolver must be registered). */
export function xdsEchoClient(service: string): XdsEchoClient {
  const Ctor = echoPackage();
  const client = new Ctor(`xds:///${service}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
  return {
    echo: (metadata = {}) =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        for (const [k, v] of Object.entries(metadata)) md.set(k, v);
        const options = { deadline: Date.now() + 5000 };
        client.Echo({ message: "hi" }, md, options, (e, r) => (e ? reject(e) : resolve(r.served_by)));
      }),
    close: () => client.close(),
  };
}

/** Who served each of `n` calls made one after the other. */
export async function servedBy(
  client: XdsEchoClient,
  n: number,
  metadata?: Record<string, string>,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = await client.echo(metadata);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Polls `check` (an observation of another process or of the network) until it holds. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CSDS FetchClientStatus on a control plane, as @grpc/proto-loader decodes it. */
export async function fetchClientStatus(address: string, nodeId?: string): Promise<ClientStatus> {
  const Ctor = grpc.makeGenericClientConstructor(xdsServices().csds, "ClientStatusDiscoveryService");
  const client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    FetchClientStatus(req: object, cb: (e: grpc.ServiceError | null, r: ClientStatus) => void): void;
  };
  try {
    const req = nodeId ? { node_matchers: [{ node_id: { exact: nodeId } }] } : {};
    return await new Promise((resolve, reject) =>
      client.FetchClientStatus(req, (e, r) => (e ? reject(e) : resolve(r))),
    );
  } finally {
    client.close();
  }
}

export interface GenericXdsConfig {
  readonly type_url: string;
  readonly name: string;
  readonly version_info: string;
  readonly client_status: string;
  readonly config_status: string;
  readonly error_state?: { readonly details: string; readonly version_info: string };
}

export interface ClientStatus {
  readonly config: readonly {
    readonly node: { readonly id: string; readonly user_agent_name?: string };
    readonly generic_xds_configs: readonly GenericXdsConfig[];
  }[];
}
