/**
 * Protobuf wire encoding by hand, so a fuzz case can say exactly what goes on the wire: values
 * out of any range a typed encoder allows (uint64 above 2^53, negative enums as 10-byte
 * varints, NaN doubles), wrong wire types, duplicated and unknown fields, invalid UTF-8.
 */

export type WireValue =
  | { readonly t: "varint"; readonly v: bigint }
  | { readonly t: "i64"; readonly v: number }
  | { readonly t: "len"; readonly v: Uint8Array }
  | { readonly t: "i32"; readonly v: number }
  | { readonly t: "group"; readonly v: readonly Field[] };

export type Field = readonly [no: number, value: WireValue];

const WIRE_TYPE: Readonly<Record<WireValue["t"], number>> = { varint: 0, i64: 1, len: 2, group: 3, i32: 5 };

export function varintBytes(value: bigint): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function tag(no: number, wireType: number): number[] {
  return varintBytes((BigInt(no) << 3n) | BigInt(wireType));
}

export function encode(fields: readonly Field[]): Uint8Array {
  const parts: number[] = [];
  for (const [no, value] of fields) {
    parts.push(...tag(no, WIRE_TYPE[value.t]));
    switch (value.t) {
      case "varint":
        parts.push(...varintBytes(value.v));
        break;
      case "i64": {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(value.v);
        parts.push(...b);
        break;
      }
      case "i32": {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(value.v >>> 0);
        parts.push(...b);
        break;
      }
      case "len":
        parts.push(...varintBytes(BigInt(value.v.length)));
        for (const byte of value.v) parts.push(byte);
        break;
      case "group":
        parts.push(...encode(value.v), ...tag(no, 4));
        break;
    }
  }
  return Uint8Array.from(parts);
}

export const str = (s: string): WireValue => ({ t: "len", v: Buffer.from(s, "utf8") });
export const bytes = (b: Uint8Array): WireValue => ({ t: "len", v: b });
export const msg = (fields: readonly Field[]): WireValue => ({ t: "len", v: encode(fields) });
export const u64 = (v: bigint | number): WireValue => ({ t: "varint", v: BigInt(v) });
/** A uint32 / int32 / enum: negative numbers go out as 10-byte varints, as protoc writes them. */
export const int = (v: number): WireValue => ({ t: "varint", v: BigInt(Math.trunc(v)) });
export const bool = (v: boolean): WireValue => ({ t: "varint", v: v ? 1n : 0n });
export const dbl = (v: number): WireValue => ({ t: "i64", v });

/** A map field: one length-delimited entry {1: key, 2: value} per pair. */
export function mapEntries(no: number, entries: readonly (readonly [WireValue, WireValue])[]): Field[] {
  return entries.map(
    ([k, v]) =>
      [
        no,
        msg([
          [1, k],
          [2, v],
        ]),
      ] as const,
  );
}
