/**
 * Discovery subscribers, as raw Watch streams: `streams` streams spread over `connections`
 * HTTP/2 connections (spread in turn over the control-plane replicas), each saying hello,
 * subscribing to one service and acking every response as the SDK does. For each change it is
 * told to expect, it reports when its first, median and last stream had the new version.
 */
import { type ClientDuplexStream, credentials } from "@grpc/grpc-js";
import {
  DiscoveryClient,
  type WatchRequest,
  type WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { Arrivals } from "./arrivals.js";
import type { Role } from "./role.js";

export interface SubscriberLoadSetup {
  /** Replica addresses; connection c goes to replica c mod their number. */
  readonly controlPlanes: readonly string[];
  readonly service: string;
  readonly streams: number;
  readonly connections: number;
  /** Label for client ids (unique per process). */
  readonly label: string;
}

export const CONNECTION_OPTIONS = {
  "grpc.use_local_subchannel_pool": 1,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
} as const;

type Watch = ClientDuplexStream<WatchRequest, WatchResponse>;

function versionOf(r: WatchResponse): number | undefined {
  if (r.kind?.$case === "snapshot") return r.kind.snapshot.version;
  if (r.kind?.$case === "delta") return r.kind.delta.version;
  return undefined;
}

function openStream(client: DiscoveryClient, setup: SubscriberLoadSetup, subs: Arrivals, i: number): Watch {
  const call = client.watch();
  call.on("data", (r: WatchResponse) => {
    const version = versionOf(r);
    call.write({ kind: { $case: "ack", ack: { nonce: r.nonce } } });
    if (version !== undefined) subs.received(i, version);
  });
  call.on("error", (e: Error) => subs.failed(e));
  const clientId = `${setup.label}-${i}`;
  call.write({
    kind: {
      $case: "hello",
      hello: { clientId, zone: "", sdkVersion: "bench", epoch: "", knownVersions: {} },
    },
  });
  call.write({ kind: { $case: "subscribe", subscribe: { service: setup.service, knownVersion: 0 } } });
  return call;
}

/**
 * A load process holding `setup.streams` subscriber streams over `setup.connections` client
 * connections spread over the replicas: the Watch load and the ADS load differ only in the
 * client and in how a stream is opened.
 */
export async function subscriberLoadRole<C extends { close(): void }, S extends { cancel(): void }>(
  raw: unknown,
  connect: (address: string) => C,
  open: (client: C, setup: SubscriberLoadSetup, subs: Arrivals, index: number) => S,
): Promise<Role> {
  const setup = raw as SubscriberLoadSetup;
  const clients = Array.from({ length: setup.connections }, (_, c) =>
    connect(setup.controlPlanes[c % setup.controlPlanes.length] ?? ""),
  );
  const subs = new Arrivals(setup.streams);
  const calls: S[] = [];
  for (let i = 0; i < setup.streams; i++) {
    calls.push(open(clients[i % clients.length] as C, setup, subs, i));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  await subs.untilAllStarted(120_000);
  return {
    info: { pid: process.pid, version: subs.maxVersion() },
    commands: subs.commands(),
    async close() {
      for (const call of calls) call.cancel();
      for (const c of clients) c.close();
    },
  };
}

export function watchLoadRole(raw: unknown): Promise<Role> {
  return subscriberLoadRole(
    raw,
    (address) => new DiscoveryClient(address, credentials.createInsecure(), CONNECTION_OPTIONS),
    openStream,
  );
}
