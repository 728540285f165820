import type { Change } from "../store/types.js";
import type { ServiceEntry } from "./service-entry.js";
import type { Subscription } from "./subscription.js";

/** Where a Discovery stream's responses go (the grpc-js call, or a test double). */
export interface WatchSink {
  /** Writes one encoded WatchResponse; false: wait for `onceDrain` before writing more. */
  write(message: Buffer): boolean;
  onceDrain(listener: () => void): void;
  /** Responses written but not yet flushed to the network (for stats). */
  buffered?(): number;
}

/** Who is on the other end of a Discovery stream. */
export interface SessionInfo {
  readonly clientId: string;
  readonly zone: string;
  readonly sdkVersion: string;
  readonly peer: string;
  readonly connectedAtMs: number;
}

export type PushKind = "snapshot" | "delta" | "error";

/** What a stream session needs from the hub. */
export interface SessionHost {
  /** The current store epoch. */
  readonly epoch: string;
  entry(service: string): ServiceEntry | undefined;
  changesSince(service: string, version: number): Promise<readonly Change[] | undefined>;
  attach(subscription: Subscription): void;
  detach(subscription: Subscription): void;
  /** A response went out; `changeAtMs` is when the oldest change it carries reached this replica. */
  pushed(kind: PushKind, changeAtMs: number | undefined): void;
  nacked(service: string): void;
  unknownNonce(): void;
  /** Subscription state moved (for the published subscriber table). */
  tableChanged(): void;
  /** A store read failed while building a response; it is retried later. */
  storeFailed(operation: string, error: unknown): void;
}
