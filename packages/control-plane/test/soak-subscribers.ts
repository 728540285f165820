// Many raw Discovery subscribers in one process, for the soak.
// Usage: node --conditions=source --import tsx soak-subscribers.ts '<json SubscribersConfig>'
// Each stream says hello, subscribes to its services, applies snapshots and deltas to its own
// view, and acks. Prints `{"ready":n}` once every stream holds every service; answers each
// "report" line on stdin with `{"report":{"views":{"<stream>/<service>":"<digest>"},...counters}}`.
import { createInterface } from "node:readline";
import { type ClientDuplexStream, credentials, Metadata } from "@grpc/grpc-js";
import {
  DiscoveryClient,
  type WatchRequest,
  type WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { Endpoint } from "@switchboard/core/gen/switchboard/v1/types.js";
import { viewDigest } from "./soak-digest.js";

export interface SubscribersConfig {
  readonly address: string;
  /** Name of this process's streams ("p0" -> "p0-17"). */
  readonly prefix: string;
  readonly streams: number;
  /** Services per stream, picked from `services` by stream number. */
  readonly perStream: number;
  readonly services: readonly string[];
  /** HTTP/2 connections the streams are spread over. */
  readonly connections: number;
}

interface View {
  version: number;
  epoch: string;
  endpoints: Map<string, Endpoint>;
  policy: Policy | undefined;
}

const config = JSON.parse(process.argv[2] ?? "{}") as SubscribersConfig;
const clients = Array.from(
  { length: config.connections },
  () =>
    new DiscoveryClient(config.address, credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    }),
);
const views = new Map<string, View>();
const counters = { responses: 0, gaps: 0, errors: 0, streamEnds: 0 };

function servicesOf(i: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < config.perStream; k++) {
    const s = config.services[(i * 7 + k * 3) % config.services.length];
    if (s !== undefined && !out.includes(s)) out.push(s);
  }
  return out;
}

function apply(name: string, r: WatchResponse): void {
  counters.responses += 1;
  const kind = r.kind;
  if (kind?.$case === "snapshot") {
    const s = kind.snapshot;
    views.set(`${name}/${s.service}`, {
      version: s.version,
      epoch: r.epoch,
      endpoints: new Map(s.endpoints.map((e) => [e.id, e])),
      policy: s.policy,
    });
  } else if (kind?.$case === "delta") {
    const d = kind.delta;
    const v = views.get(`${name}/${d.service}`);
    if (!v || v.version !== d.fromVersion || v.epoch !== r.epoch) {
      counters.gaps += 1;
      return;
    }
    for (const removed of d.removed) v.endpoints.delete(removed.id);
    for (const e of d.upserted) v.endpoints.set(e.id, e);
    if (d.policyUpdate) v.policy = d.policyUpdate.policy;
    v.version = d.version;
  } else if (kind?.$case === "error") counters.errors += 1;
}

function open(i: number): void {
  const name = `${config.prefix}-${i}`;
  const client = clients[i % clients.length] as DiscoveryClient;
  const stream: ClientDuplexStream<WatchRequest, WatchResponse> = client.watch(new Metadata());
  stream.on("data", (r: WatchResponse) => {
    apply(name, r);
    stream.write({ kind: { $case: "ack", ack: { nonce: r.nonce } } });
  });
  stream.on("error", () => {
    counters.streamEnds += 1;
  });
  const knownVersions = Object.fromEntries(servicesOf(i).map((s) => [s, 0]));
  stream.write({
    kind: {
      $case: "hello",
      hello: { clientId: name, zone: "", sdkVersion: "soak", epoch: "", knownVersions },
    },
  });
}

for (let i = 0; i < config.streams; i++) open(i);
const expected = Array.from({ length: config.streams }, (_, i) => servicesOf(i).length).reduce(
  (a, b) => a + b,
  0,
);
const ready = setInterval(() => {
  if (views.size >= expected) {
    clearInterval(ready);
    process.stdout.write(`${JSON.stringify({ ready: views.size })}\n`);
  }
}, 50);

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "report") return;
  const digests: Record<string, string> = {};
  for (const [key, v] of views) digests[key] = viewDigest(v.version, v.endpoints.values(), v.policy);
  process.stdout.write(`${JSON.stringify({ report: { views: digests, ...counters } })}\n`);
});
process.stdin.on("end", () => process.exit(0));
