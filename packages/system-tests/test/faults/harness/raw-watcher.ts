/**
 * A Discovery subscriber speaking the wire protocol directly (no SDK logic): it applies
 * snapshots and deltas to its own view, acks everything, and on reconnect says hello with the
 * epoch and versions it holds — so a scenario can see whether a client resumed (a delta in the
 * same epoch) or started over (a snapshot).
 */
import { type ClientDuplexStream, credentials, Metadata } from "@grpc/grpc-js";
import {
  DiscoveryClient,
  type WatchRequest,
  type WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { RemovalReason } from "@switchboard/core/gen/switchboard/v1/types.js";

export interface ServiceState {
  version: number;
  epoch: string;
  endpoints: Map<string, string>;
  hasPolicy: boolean;
  /** Responses received for this service. */
  responses: number;
}

export interface WatchEvent {
  readonly atMs: number;
  /** Which connection (0: the first) the response came on. */
  readonly connection: number;
  readonly kind: "snapshot" | "delta" | "error";
  readonly service: string;
  readonly epoch: string;
  readonly version: number;
  /** Endpoints a delta removed because their lease expired. */
  readonly expired: number;
}

export interface RawWatcherOptions {
  readonly addresses: readonly string[];
  readonly services: readonly string[];
  readonly clientId: string;
  /** Delay before reconnecting, ms. */
  readonly reconnectMs?: number;
}

type Stream = ClientDuplexStream<WatchRequest, WatchResponse>;

export class RawWatcher {
  readonly state = new Map<string, ServiceState>();
  readonly events: WatchEvent[] = [];
  /** Times (Date.now()) a stream was lost. */
  readonly disconnects: number[] = [];
  /** Deltas whose from_version was not the version held (a protocol violation). */
  gaps = 0;
  private readonly clients: DiscoveryClient[];
  private stream: Stream | undefined;
  private connection = -1;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: RawWatcherOptions) {
    // One channel per replica, not shared with anything else in the process; grpc-js's own
    // reconnect backoff kept negligible, so only `reconnectMs` paces reconnects.
    this.clients = o.addresses.map(
      (a) =>
        new DiscoveryClient(a, credentials.createInsecure(), {
          "grpc.use_local_subchannel_pool": 1,
          "grpc.initial_reconnect_backoff_ms": 100,
          "grpc.max_reconnect_backoff_ms": 250,
        }),
    );
    this.connect();
  }

  /** The epoch of the last response (what a hello carries). */
  get epoch(): string {
    return this.events[this.events.length - 1]?.epoch ?? "";
  }

  /** The first response received at or after `sinceMs`. */
  firstSince(sinceMs: number): WatchEvent | undefined {
    return this.events.find((e) => e.atMs >= sinceMs);
  }

  /** Endpoints removed as expired by deltas received at or after `sinceMs`. */
  expiredSince(sinceMs: number): number {
    return this.events.filter((e) => e.atMs >= sinceMs).reduce((n, e) => n + e.expired, 0);
  }

  get connections(): number {
    return this.connection + 1;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.stream?.cancel();
    for (const c of this.clients) c.close();
  }

  private connect(): void {
    if (this.closed) return;
    this.connection += 1;
    const n = this.connection;
    const client = this.clients[n % this.clients.length] as DiscoveryClient;
    const stream = client.watch(new Metadata());
    this.stream = stream;
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      this.disconnects.push(Date.now());
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(), this.o.reconnectMs ?? 100);
    };
    stream.on("data", (r: WatchResponse) => this.receive(stream, n, r));
    stream.on("error", onLost);
    stream.on("end", onLost);
    const knownVersions: Record<string, number> = {};
    for (const service of this.o.services) knownVersions[service] = this.state.get(service)?.version ?? 0;
    stream.write({
      kind: {
        $case: "hello",
        hello: { clientId: this.o.clientId, zone: "", sdkVersion: "raw", epoch: this.epoch, knownVersions },
      },
    });
  }

  private receive(stream: Stream, connection: number, r: WatchResponse): void {
    stream.write({ kind: { $case: "ack", ack: { nonce: r.nonce } } });
    const kind = r.kind;
    if (!kind) return;
    const atMs = Date.now();
    if (kind.$case === "error") {
      this.events.push({
        atMs,
        connection,
        kind: "error",
        service: kind.error.service,
        epoch: r.epoch,
        version: 0,
        expired: 0,
      });
      return;
    }
    if (kind.$case === "snapshot") {
      const s = kind.snapshot;
      const endpoints = new Map(s.endpoints.map((e) => [e.id, `${e.health}`]));
      const prev = this.state.get(s.service);
      this.state.set(s.service, {
        version: s.version,
        epoch: r.epoch,
        endpoints,
        hasPolicy: s.policy !== undefined,
        responses: (prev?.responses ?? 0) + 1,
      });
      const version = s.version;
      this.events.push({
        atMs,
        connection,
        kind: "snapshot",
        service: s.service,
        epoch: r.epoch,
        version,
        expired: 0,
      });
      return;
    }
    const d = kind.delta;
    const st = this.state.get(d.service);
    if (!st) return;
    if (d.fromVersion !== st.version || r.epoch !== st.epoch) this.gaps += 1;
    for (const removed of d.removed) st.endpoints.delete(removed.id);
    for (const e of d.upserted) st.endpoints.set(e.id, `${e.health}`);
    if (d.policyUpdate) st.hasPolicy = d.policyUpdate.policy !== undefined;
    st.version = d.version;
    st.epoch = r.epoch;
    st.responses += 1;
    const expired = d.removed.filter((x) => x.reason === RemovalReason.REMOVAL_REASON_EXPIRED).length;
    this.events.push({
      atMs,
      connection,
      kind: "delta",
      service: d.service,
      epoch: r.epoch,
      version: d.version,
      expired,
    });
  }
}
