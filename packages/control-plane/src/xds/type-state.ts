import type { XdsTypeStatus } from "../store/types.js";
import { type ResourceKind, TYPE_URLS, type XdsMessage } from "./type-urls.js";

/** One response of a type as sent on a stream: what it named, and from which service versions. */
export interface SentResponse {
  readonly nonce: string;
  readonly version: string;
  /** Resource name → its content (as encoded into the response). */
  readonly resources: ReadonlyMap<string, XdsMessage>;
  /** Resource name → the service version the content is current for (moves on when a newer
   * service version renders the same content). */
  readonly serviceVersions: Map<string, number>;
  readonly epoch: string;
  readonly atMs: number;
}

export interface NackRecord {
  readonly version: string;
  readonly reason: string;
  readonly atMs: number;
  /** The rejected response (to show per resource, and to credit AwaitPropagation). */
  readonly response: SentResponse;
}

/**
 * What one xDS stream knows of one resource type: the names the client asks for, the last
 * response sent, the last one it acknowledged and the last it rejected. A rejected response is
 * never sent again: only new content (a different version) goes out.
 */
export class TypeState {
  names: readonly string[] = [];
  /** A request asked for an answer (first request of the type, or new names). */
  answerDue = false;
  sent: SentResponse | undefined;
  acked: SentResponse | undefined;
  nack: NackRecord | undefined;
  nackCount = 0;
  responses = 0;

  constructor(readonly kind: ResourceKind) {}

  get typeUrl(): string {
    return TYPE_URLS[this.kind];
  }

  /** Applies a request's names; true when they changed. */
  request(names: readonly string[]): boolean {
    const next = [...new Set(names)].sort();
    const same = next.length === this.names.length && next.every((n, i) => n === this.names[i]);
    this.names = next;
    return !same;
  }

  /** The client applied the response with this nonce. */
  ackedNonce(nonce: string): void {
    if (this.sent?.nonce === nonce) this.acked = this.sent;
  }

  /** The client rejected the response with this nonce. */
  nackedNonce(nonce: string, reason: string, nowMs: number): void {
    if (this.sent?.nonce !== nonce) return;
    this.nackCount += 1;
    this.nack = { version: this.sent.version, reason, atMs: nowMs, response: this.sent };
  }

  /** The content for `version` did not change while its service moved to newer versions. */
  stillCurrent(serviceVersions: ReadonlyMap<string, number>): void {
    if (!this.sent) return;
    for (const [name, v] of serviceVersions) this.sent.serviceVersions.set(name, v);
  }

  status(): XdsTypeStatus {
    return {
      typeUrl: this.typeUrl,
      resourceNames: [...this.names],
      sentVersion: this.sent?.version ?? "",
      ackedVersion: this.acked?.version ?? "",
      responses: this.responses,
      nackCount: this.nackCount,
      lastNackVersion: this.nack?.version ?? "",
      lastNackReason: this.nack?.reason ?? "",
    };
  }

  /** The service version of `name` the client holds (acked) and, if it rejected a later one,
   * the service version it rejected; 0 for none. */
  serviceProgress(name: string, epoch: string): { acked: number; nacked: number } {
    const acked = this.acked?.epoch === epoch ? (this.acked.serviceVersions.get(name) ?? 0) : 0;
    const rejected = this.nack?.response;
    const nacked = rejected?.epoch === epoch ? (rejected.serviceVersions.get(name) ?? 0) : 0;
    return { acked, nacked };
  }
}
