/**
 * WatchResponse bytes shared between subscribers. A response is the shared part (epoch and
 * snapshot/delta, encoded once per service version) plus a per-subscriber nonce: protobuf
 * fields may come in any order, so the nonce field is simply prepended.
 */
import {
  type ServiceDelta,
  type ServiceSnapshot,
  type SubscriptionError,
  WatchResponse,
} from "../gen/switchboard/v1/discovery.js";

export function encodeSnapshot(epoch: string, snapshot: ServiceSnapshot): Buffer {
  return Buffer.from(
    WatchResponse.encode({ nonce: "", epoch, kind: { $case: "snapshot", snapshot } }).finish(),
  );
}

export function encodeDelta(epoch: string, delta: ServiceDelta): Buffer {
  return Buffer.from(WatchResponse.encode({ nonce: "", epoch, kind: { $case: "delta", delta } }).finish());
}

export function encodeError(epoch: string, error: SubscriptionError): Buffer {
  return Buffer.from(WatchResponse.encode({ nonce: "", epoch, kind: { $case: "error", error } }).finish());
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** Field 1 (nonce, length-delimited) followed by the shared bytes. */
export function withNonce(nonce: string, shared: Buffer): Buffer {
  const text = Buffer.from(nonce, "utf8");
  const header = Buffer.from([0x0a, ...varint(text.length)]);
  return Buffer.concat([header, text, shared], header.length + text.length + shared.length);
}
