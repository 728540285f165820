import {
  type ChannelCredentials,
  type ChannelOptions,
  type ClientDuplexStream,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  DiscoveryClient,
  type Hello,
  type WatchRequest,
  type WatchResponse,
} from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { Logger } from "pino";
import { Backoff, type BackoffOptions } from "./backoff.js";

export interface DiscoveryConnectionOptions {
  /** Control-plane replicas ("host:port"); tried in turn on reconnect. */
  readonly addresses: readonly string[];
  readonly credentials: ChannelCredentials;
  readonly channelOptions: ChannelOptions;
  /** Discovery bearer token, when the control plane requires one. */
  readonly token: string | undefined;
  readonly backoff: BackoffOptions;
  readonly logger: Logger;
  /** Builds the Hello for each (re)connect, with the versions held at that moment. */
  readonly hello: () => Hello;
  readonly onResponse: (response: WatchResponse) => void;
  readonly onConnectedChange: (connected: boolean) => void;
  /** Every failed or lost stream, connected before or not, with why. */
  readonly onFailure: (reason: string) => void;
}

type WatchStream = ClientDuplexStream<WatchRequest, WatchResponse>;

/**
 * The one Discovery stream of a process: connects, says hello, reconnects with exponential
 * backoff and full jitter (rotating over the control-plane replicas), and resumes with the
 * versions held, which the Hello carries.
 */
export class DiscoveryConnection {
  private readonly clients = new Map<string, DiscoveryClient>();
  private readonly backoff: Backoff;
  private stream: WatchStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private addressIndex = 0;
  private connected = false;
  private closed = false;

  constructor(private readonly options: DiscoveryConnectionOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** The replica currently (or last) used. */
  get address(): string {
    return this.options.addresses[this.addressIndex % this.options.addresses.length] ?? "";
  }

  start(): void {
    if (!this.stream && !this.timer && !this.closed) this.open();
  }

  /** Sends on the live stream; a no-op while disconnected (the next Hello carries the state). */
  send(request: WatchRequest): void {
    if (this.stream && !this.closed) this.stream.write(request);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    this.setConnected(false);
  }

  private client(address: string): DiscoveryClient {
    let client = this.clients.get(address);
    if (!client) {
      client = new DiscoveryClient(address, this.options.credentials, this.options.channelOptions);
      this.clients.set(address, client);
    }
    return client;
  }

  private open(): void {
    const address = this.address;
    const metadata = new Metadata();
    if (this.options.token) metadata.set("authorization", `Bearer ${this.options.token}`);
    const stream = this.client(address).watch(metadata);
    this.stream = stream;
    let alive = true;
    const lost = (reason: string) => {
      if (!alive) return;
      alive = false;
      if (this.stream === stream) this.stream = undefined;
      if (!this.closed) this.options.onFailure(reason);
      this.setConnected(false);
      if (!this.closed) this.scheduleReconnect(address, reason);
    };
    stream.on("metadata", () => this.markConnected());
    stream.on("data", (response: WatchResponse) => {
      this.markConnected();
      this.options.onResponse(response);
    });
    stream.on("error", (e: ServiceError) => lost(`${status[e.code] ?? e.code}: ${e.details || e.message}`));
    stream.on("end", () => lost("stream ended by the control plane"));
    stream.on("close", () => lost("stream closed"));
    stream.write({ kind: { $case: "hello", hello: this.options.hello() } });
  }

  private markConnected(): void {
    if (this.connected) return;
    this.backoff.reset();
    this.setConnected(true);
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.options.onConnectedChange(connected);
  }

  private scheduleReconnect(address: string, reason: string): void {
    this.addressIndex = (this.addressIndex + 1) % Math.max(1, this.options.addresses.length);
    const delayMs = this.backoff.next();
    this.options.logger.warn(
      { controlPlane: address, reason, retryInMs: delayMs, next: this.address },
      "discovery stream lost; reconnecting",
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.open();
    }, delayMs);
    this.timer.unref();
  }
}
