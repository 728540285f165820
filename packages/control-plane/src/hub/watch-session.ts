import { randomBytes } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { stickyBucket } from "@switchboard/core";
import type { SubscriberInfo } from "../store/types.js";
import { encodeError, withNonce } from "./encode.js";
import { Subscription } from "./subscription.js";
import { nextResponse, type Outgoing } from "./translator.js";
import type { SessionHost, SessionInfo, WatchSink } from "./types.js";

/** What a nonce stood for, to credit its Ack or Nack. */
interface SentResponse {
  readonly service: string;
  readonly version: number;
  /** The route version of the state sent. */
  readonly routeVersion: number;
  readonly epoch: string;
}

export interface SessionLimits {
  readonly maxSubscriptions: number;
  /** SubscriptionErrors waiting to be written; past this the stream is misbehaving. */
  readonly maxPendingErrors: number;
}

/** What one stream holds in memory: bounded by its subscriptions, never by the changes. */
export interface SessionStats {
  readonly clientId: string;
  readonly subscriptions: number;
  /** Services with a response due. */
  readonly dirty: number;
  readonly pendingErrors: number;
  /** Nonces remembered for acks. */
  readonly nonces: number;
  /** True while the stream is not writable (the client is not reading). */
  readonly waitingDrain: boolean;
  /** Responses handed to grpc-js but not yet flushed to the network. */
  readonly bufferedResponses: number;
}

export type SubscribeOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: status; readonly message: string };

/**
 * One Discovery stream: its subscriptions and its own send loop. A change only marks a service
 * dirty here; the loop writes while the stream is writable and, at write time, sends the latest
 * state. Memory per stream is bounded by its number of subscriptions, never by the number of
 * changes.
 */
export class WatchSession {
  private readonly subs = new Map<string, Subscription>();
  private readonly dirty = new Set<string>();
  private readonly errors: { readonly service: string; readonly shared: Buffer }[] = [];
  private readonly nonces = new Map<string, SentResponse>();
  private readonly noncePrefix = randomBytes(6).toString("base64url");
  private seq = 0;
  private scheduled = false;
  private flushing = false;
  private waitingDrain = false;
  private closed = false;
  /** The epoch the client's versions belong to: Hello.epoch, then the epoch of what it was sent. */
  private clientEpoch: string;
  /** Where the client falls in a rollout's cohort (rollout-view.ts). */
  private readonly cohortBucket: number;

  constructor(
    private readonly host: SessionHost,
    private readonly sink: WatchSink,
    readonly info: SessionInfo,
    private readonly limits: SessionLimits,
    helloEpoch: string,
  ) {
    this.clientEpoch = helloEpoch;
    this.cohortBucket = stickyBucket(info.clientId);
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** Subscribes (or re-subscribes) to a service, holding `knownVersion` (0: nothing). A version
   * from another epoch than the current one counts as nothing. */
  subscribe(service: string, knownVersion: number): SubscribeOutcome {
    const existing = this.subs.get(service);
    if (!existing && this.subs.size >= this.limits.maxSubscriptions) {
      const message = `at most ${this.limits.maxSubscriptions} subscriptions per stream; unsubscribe from another service or open another stream`;
      return { ok: false, code: status.RESOURCE_EXHAUSTED, message };
    }
    const known = this.clientEpoch === this.host.epoch ? knownVersion : 0;
    const sub = new Subscription(
      service,
      this.host.epoch,
      known,
      (s) => this.markDirty(s),
      this.cohortBucket,
    );
    this.subs.set(service, sub);
    this.host.attach(sub); // before detaching the old one, so the service stays loaded
    if (existing) this.host.detach(existing);
    this.host.tableChanged();
    return { ok: true };
  }

  /** True while the stream subscribes to `service`. */
  subscribes(service: string): boolean {
    return this.subs.has(service);
  }

  unsubscribe(service: string): void {
    const sub = this.subs.get(service);
    if (!sub) return;
    this.subs.delete(service);
    this.dirty.delete(service);
    this.host.detach(sub);
    this.host.tableChanged();
  }

  ack(nonce: string): void {
    const sent = this.takeNonce(nonce);
    if (!sent) return;
    const sub = this.subs.get(sent.service);
    if (sub && sub.epoch === sent.epoch) sub.acked(sent.version, sent.routeVersion);
    this.host.tableChanged();
  }

  nack(nonce: string, reason: string): void {
    const sent = this.takeNonce(nonce);
    if (!sent) return;
    const sub = this.subs.get(sent.service);
    if (sub && sub.epoch === sent.epoch) sub.nacked(sent.version, reason);
    this.host.nacked(sent.service);
    this.host.tableChanged();
  }

  /** Queues a SubscriptionError; false when too many are already waiting (the client does not read). */
  reject(service: string, code: status, message: string): boolean {
    if (this.errors.length >= this.limits.maxPendingErrors) return false;
    this.errors.push({ service, shared: encodeError(this.host.epoch, { service, code, message }) });
    this.schedule();
    return true;
  }

  markDirty(service: string): void {
    if (this.closed || !this.subs.has(service)) return;
    this.dirty.add(service);
    this.schedule();
  }

  /** Stops the loop and releases every subscription. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) this.host.detach(sub);
    this.subs.clear();
    this.dirty.clear();
    this.nonces.clear();
    this.errors.length = 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  toSubscriberInfo(replicaId: string): SubscriberInfo {
    return {
      replicaId,
      ...this.info,
      epoch: this.host.epoch,
      // A subscription not yet moved to a new epoch has acked nothing in it.
      subscriptions: [...this.subs.values()].map((s) => s.info(this.host.epoch)),
    };
  }

  /** Memory held for this stream (for tests and debugging). */
  stats(): SessionStats {
    return {
      clientId: this.info.clientId,
      subscriptions: this.subs.size,
      dirty: this.dirty.size,
      pendingErrors: this.errors.length,
      nonces: this.nonces.size,
      waitingDrain: this.waitingDrain,
      bufferedResponses: this.sink.buffered?.() ?? 0,
    };
  }

  private takeNonce(nonce: string): SentResponse | undefined {
    const sent = this.nonces.get(nonce);
    if (!sent) {
      this.host.unknownNonce();
      return undefined;
    }
    this.nonces.delete(nonce);
    return sent;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.waitingDrain || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      while (!this.closed && !this.waitingDrain) {
        if (!(this.writeError() || (await this.writeNextChange()))) break;
      }
    } finally {
      this.flushing = false;
    }
  }

  private writeError(): boolean {
    const error = this.errors.shift();
    if (!error) return false;
    const nonce = this.nextNonce();
    this.rememberNonce(nonce, {
      service: error.service,
      version: 0,
      routeVersion: 0,
      epoch: this.host.epoch,
    });
    this.write(withNonce(nonce, error.shared));
    this.host.pushed("error", undefined);
    return true;
  }

  /** Writes the next dirty service's response; false when nothing is dirty. */
  private async writeNextChange(): Promise<boolean> {
    const service = this.dirty.values().next().value;
    if (service === undefined) return false;
    this.dirty.delete(service);
    const sub = this.subs.get(service);
    if (!sub) return true;
    let out: Outgoing | undefined;
    try {
      out = await nextResponse(this.host, sub);
    } catch (error) {
      this.host.storeFailed("changesSince", error);
      setTimeout(() => this.markDirty(service), 1000).unref();
      return true;
    }
    if (!out || this.closed || this.subs.get(service) !== sub) return true;
    const nonce = this.nextNonce();
    this.rememberNonce(nonce, {
      service,
      version: out.version,
      routeVersion: out.routeVersion,
      epoch: sub.epoch,
    });
    sub.sent(out.version);
    this.write(withNonce(nonce, out.shared));
    this.host.pushed(out.kind, out.changeAtMs);
    this.host.tableChanged();
    return true;
  }

  private write(message: Buffer): void {
    this.clientEpoch = this.host.epoch;
    if (this.sink.write(message)) return;
    this.waitingDrain = true;
    this.sink.onceDrain(() => {
      this.waitingDrain = false;
      this.schedule();
    });
  }

  private nextNonce(): string {
    this.seq += 1;
    return `${this.noncePrefix}.${this.seq.toString(36)}`;
  }

  /** Keeps the nonces of recent responses; the oldest are forgotten past a bound, so a client
   * that never acks cannot grow this map. */
  private rememberNonce(nonce: string, sent: SentResponse): void {
    this.nonces.set(nonce, sent);
    const max = 4 * this.subs.size + 64;
    while (this.nonces.size > max) {
      const oldest = this.nonces.keys().next().value;
      if (oldest === undefined) break;
      this.nonces.delete(oldest);
    }
  }
}
