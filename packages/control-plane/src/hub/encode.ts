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
} from "@switchboard/core/gen/switchboard/v1/discovery.js";

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

function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v > 0x7f; v >>>= 7) n++;
  return n;
}

/** Field 1 (nonce, length-delimited) followed by the shared bytes, in one allocation (this runs
 * once per subscriber per change). */
export function withNonce(nonce: string, shared: Buffer): Buffer {
  const textLength = Buffer.byteLength(nonce, "utf8");
  const headerLength = 1 + varintLength(textLength);
  const out = Buffer.allocUnsafe(headerLength + textLength + shared.length);
  out[0] = 0x0a;
  let at = 1;
  let v = textLength;
  while (v > 0x7f) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at++] = v;
  at += out.write(nonce, at, "utf8");
  shared.copy(out, at);
  return out;
}
