/**
 * Request generators for every Admin, Registration and Discovery RPC: mostly well-formed
 * messages whose fields are valid or hostile (empty, huge, control characters, invalid UTF-8,
 * out-of-range numbers, unknown enum values, NaN), plus raw mutations of them (truncated, bit
 * flips, garbage, bogus lengths, deep groups) and oversized ones.
 */
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { canaryRoutes, splitRoutes } from "../support/route-fixtures.js";
import type { Rng } from "./prng.js";
import {
  bool,
  bytes,
  dbl,
  encode,
  type Field,
  int,
  mapEntries,
  msg,
  str,
  u64,
  varintBytes,
  type WireValue,
} from "./wire.js";

/** What the run has learned from successful calls (lease ids), shared by the generators. */
export interface FuzzState {
  readonly leaseIds: string[];
}

/** Facts about a generated request that decide which outcomes are acceptable. */
export interface Traits {
  /** Every field is valid: the call must succeed (or hit a documented limit). */
  valid: boolean;
  /** A uint64 above 2^53 - 1 is on the wire (see the known-bug note in the fuzz tests). */
  bigUint64: boolean;
  /** A field was repeated with another wire type (a string where a sub-message belongs, say):
   * the bytes may not decode, which grpc-js answers itself. */
  malformed: boolean;
}

export type Gen = (rng: Rng, st: FuzzState, t: Traits) => Field[];

export const SERVICES = ["fz-a", "fz-b", "fz-c", "fz-d"];

const LONG = (n: number, ch = "x") => ch.repeat(n);

const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "a b",
  "a:b",
  "{x}",
  "}{",
  "*",
  "?",
  "[",
  "]",
  "../../etc/passwd",
  "\u0000",
  "a\u0000b",
  "\n",
  "\r\n",
  "\t",
  "\u007f",
  "é",
  "日本",
  "😀",
  "\ud800",
  "%s%s%n",
  "' OR 1=1 --",
  "null",
  "__proto__",
  "constructor",
  "svc:x:endpoints",
  "{switchboard}:epoch",
  LONG(64),
  LONG(65),
  LONG(128),
  LONG(129),
  LONG(253),
  LONG(254),
  LONG(257),
  LONG(4096),
  LONG(30_000),
];

/** Invalid UTF-8, sent where the schema says string. */
const BAD_UTF8: readonly Uint8Array[] = [
  Uint8Array.from([0xff, 0xfe]),
  Uint8Array.from([0xc3]),
  Uint8Array.from([0xed, 0xa0, 0x80]),
  Uint8Array.from([0x61, 0x80, 0x62]),
];

const U32_EDGES = [
  0,
  1,
  2,
  80,
  100,
  1000,
  1001,
  65_535,
  65_536,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  -1,
  -(2 ** 31),
];
const U64_SAFE: readonly bigint[] = [0n, 1n, 2n, 3n, 1000n, 2n ** 32n, 2n ** 53n - 1n];
const U64_HUGE: readonly bigint[] = [2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
const ENUMS = [0, 1, 2, 3, 4, 7, 99, -1, 2 ** 31 - 1];
const DOUBLES = [0, -0, 0.5, 1, 2, 10, 11, 1e6, 1e300, Number.NaN, Number.POSITIVE_INFINITY, -1, 5e-324];

function randomText(rng: Rng, max: number): string {
  const alphabets = [
    "abcdefghijklmnopqrstuvwxyz0123456789._-",
    "ABC xyz:/\\{}[]*?\"'",
    "\u0000\u0001\u001f\u007fé日😀",
  ];
  const alphabet = [...rng.pick(alphabets)];
  let s = "";
  for (let i = rng.int(0, max); i > 0; i--) s += rng.pick(alphabet);
  return s;
}

/** A hostile value for a string field. */
function nastyString(rng: Rng): WireValue {
  const r = rng.next();
  if (r < 0.65) return str(rng.pick(NASTY_STRINGS));
  if (r < 0.85) return str(randomText(rng, 40));
  return bytes(rng.pick(BAD_UTF8));
}

function u32(rng: Rng, valid: () => number, t: Traits): WireValue {
  if (rng.chance(0.7)) return int(valid());
  t.valid = false;
  return rng.chance(0.9) ? int(rng.pick(U32_EDGES)) : u64(2n ** 40n + BigInt(rng.int(0, 1000)));
}

function u64v(rng: Rng, valid: () => number, t: Traits): WireValue {
  if (rng.chance(0.7)) return u64(valid());
  t.valid = false;
  if (rng.chance(0.6)) return u64(rng.pick(U64_SAFE));
  t.bigUint64 = true;
  return u64(rng.pick(U64_HUGE));
}

/** A string field: valid from `valid()` most of the time, otherwise hostile. */
function text(rng: Rng, valid: () => string, t: Traits): WireValue {
  if (rng.chance(0.75)) return str(valid());
  t.valid = false;
  return nastyString(rng);
}

function enumValue(rng: Rng, validMax: number, t: Traits): WireValue {
  if (rng.chance(0.8)) return int(rng.int(0, validMax));
  const v = rng.pick(ENUMS);
  if (v < 0 || v > validMax) t.valid = false;
  return int(v);
}

function maybe(rng: Rng, p: number, fields: Field[], f: () => Field | Field[]): void {
  if (!rng.chance(p)) return;
  const out = f();
  if (typeof out[0] === "number") fields.push(out as Field);
  else fields.push(...(out as Field[]));
}

const serviceName = (rng: Rng) => rng.pick(SERVICES);
const host = (rng: Rng) =>
  rng.pick(["10.1.0.1", "10.1.0.2", "10.1.0.3", "::1", "[fe80::1]", "node-1.example", "localhost"]);
const endpointId = (rng: Rng) => `${rng.pick(["10.1.0.1", "10.1.0.2", "10.1.0.3"])}:${rng.int(8000, 8009)}`;
const leaseId = (rng: Rng, st: FuzzState) =>
  st.leaseIds.length > 0 && rng.chance(0.8)
    ? rng.pick(st.leaseIds)
    : `${rng.int(0, 0xffff).toString(16)}-not-a-lease`;

function metadataMap(rng: Rng, t: Traits): Field[] {
  if (rng.chance(0.7)) {
    const n = rng.int(0, 4);
    return mapEntries(
      6,
      Array.from(
        { length: n },
        (_, i) => [str(`k${i}`), str(randomText(rng, 30).replace(/[^\x20-\x7e]/g, ""))] as const,
      ),
    );
  }
  t.valid = false;
  const n = rng.pick([1, 5, 32, 33, 40]);
  return mapEntries(
    6,
    Array.from(
      { length: n },
      () =>
        [
          nastyString(rng),
          rng.chance(0.5) ? str(LONG(rng.pick([10, 512, 513, 4000]))) : nastyString(rng),
        ] as const,
    ),
  );
}

/** Unknown fields, duplicates and wrong wire types mixed into a message. */
function noise(rng: Rng, fields: Field[], t: Traits): Field[] {
  const out = [...fields];
  if (rng.chance(0.1))
    out.push([rng.int(20, 2 ** 29 - 1), rng.pick([u64(rng.int(0, 1e9)), str("unknown"), dbl(1.5)])]);
  if (rng.chance(0.05) && out.length > 0) {
    out.push(rng.pick(out));
    t.valid = false;
  }
  if (rng.chance(0.05) && out.length > 0) {
    const [no] = rng.pick(out);
    out.push([no, rng.pick([u64(7), str("wrong wire type"), dbl(3)])]);
    t.valid = false;
    t.malformed = true;
  }
  if (rng.chance(0.03)) out.push([rng.int(30, 99), { t: "group", v: [[1, u64(1)]] }]);
  return out;
}

// ---- Policy (nested) ------------------------------------------------------------------------

const STATUS_NAMES = ["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN", "RESOURCE_EXHAUSTED"];

function codes(rng: Rng, no: number, t: Traits): Field[] {
  if (rng.chance(0.7))
    return Array.from({ length: rng.int(0, 3) }, () => [no, str(rng.pick(STATUS_NAMES))] as const);
  t.valid = false;
  return Array.from(
    { length: rng.pick([1, 2, 18, 30]) },
    () =>
      [
        no,
        rng.chance(0.5) ? str(rng.pick(["OK", "unavailable", "NOPE", "", "14"])) : nastyString(rng),
      ] as const,
  );
}

function breaker(rng: Rng, t: Traits): WireValue {
  const f: Field[] = [];
  maybe(rng, 0.6, f, () => [1, u32(rng, () => rng.int(1, 20), t)]);
  maybe(rng, 0.4, f, () => [2, u32(rng, () => rng.int(1, 100), t)]);
  maybe(rng, 0.4, f, () => [3, u32(rng, () => rng.int(1000, 60_000), t)]);
  maybe(rng, 0.3, f, () => [4, u32(rng, () => rng.int(1, 100), t)]);
  maybe(rng, 0.3, f, () => [5, u32(rng, () => rng.int(0, 5000), t)]);
  maybe(rng, 0.2, f, () => [6, u32(rng, () => rng.int(1, 100), t)]);
  maybe(rng, 0.4, f, () => [7, u32(rng, () => rng.int(100, 60_000), t)]);
  maybe(rng, 0.2, f, () => [8, u32(rng, () => rng.int(1, 10), t)]);
  maybe(rng, 0.2, f, () => [9, u32(rng, () => rng.int(1, 10), t)]);
  maybe(rng, 0.3, f, () => codes(rng, 10, t));
  // A breaker with every trigger off is invalid; the generator does not track that one.
  t.valid = false;
  return msg(noise(rng, f, t));
}

function retry(rng: Rng, t: Traits): WireValue {
  const f: Field[] = [];
  maybe(rng, 0.6, f, () => [1, u32(rng, () => rng.int(1, 5), t)]);
  maybe(rng, 0.3, f, () => codes(rng, 2, t));
  maybe(rng, 0.3, f, () => [3, u32(rng, () => rng.int(1, 100), t)]);
  maybe(rng, 0.3, f, () => [4, u32(rng, () => rng.int(100, 1000), t)]);
  maybe(rng, 0.3, f, () => [5, rng.chance(0.7) ? dbl(rng.pick([1, 1.5, 2, 3])) : dbl(rng.pick(DOUBLES))]);
  maybe(rng, 0.2, f, () => [
    6,
    msg([
      [1, dbl(rng.chance(0.6) ? 0.2 : rng.pick(DOUBLES))],
      [2, u32(rng, () => rng.int(0, 100), t)],
      [3, u32(rng, () => rng.int(1000, 60_000), t)],
    ]),
  ]);
  maybe(rng, 0.2, f, () => [7, u32(rng, () => rng.int(1, 5000), t)]);
  t.valid = false; // max_backoff >= initial_backoff and friends are not tracked
  return msg(noise(rng, f, t));
}

function loadBalancing(rng: Rng, t: Traits): WireValue {
  const f: Field[] = [];
  maybe(rng, 0.8, f, () => [1, enumValue(rng, 5, t)]);
  maybe(rng, 0.2, f, () => [2, u32(rng, () => rng.int(2, 10), t)]);
  maybe(rng, 0.2, f, () => [3, u32(rng, () => rng.int(100, 60_000), t)]);
  maybe(rng, 0.1, f, () => [4, text(rng, () => "x-user", t)]);
  maybe(rng, 0.2, f, () => [5, u32(rng, () => rng.int(16, 4096), t)]);
  maybe(rng, 0.2, f, () => [6, msg([[1, u32(rng, () => rng.int(1, 100), t)]])]);
  t.valid = false; // hash_header only with ring_hash is not tracked
  return msg(noise(rng, f, t));
}

/** Policies SetPolicy must accept. */
const VALID_POLICIES: readonly (readonly Field[])[] = [
  [],
  [[5, int(1500)]],
  [[1, msg([[1, int(5)]])]],
  [
    [
      4,
      msg([
        [1, int(3)],
        [2, str("UNAVAILABLE")],
        [3, int(10)],
        [4, int(200)],
      ]),
    ],
  ],
  [
    [
      6,
      msg([
        [1, dbl(100)],
        [2, int(20)],
      ]),
    ],
  ],
  [
    [
      2,
      msg([
        [1, int(5)],
        [7, int(2000)],
      ]),
    ],
    [5, int(800)],
  ],
  [[3, msg([[2, int(30)]])]],
  [
    [
      1,
      msg([
        [1, int(6)],
        [4, str("x-user-id")],
      ]),
    ],
  ],
  [...mapEntries(7, [[str("echo.v1.EchoService/Echo"), msg([[3, int(250)]])]])],
];

function policy(rng: Rng, t: Traits): WireValue {
  if (rng.chance(0.3)) return msg(rng.pick(VALID_POLICIES));
  t.valid = false;
  const f: Field[] = [];
  maybe(rng, 0.4, f, () => [1, loadBalancing(rng, t)]);
  maybe(rng, 0.3, f, () => [2, breaker(rng, t)]);
  maybe(rng, 0.2, f, () => [
    3,
    msg([
      [1, breaker(rng, t)],
      [2, u32(rng, () => rng.int(0, 100), t)],
    ]),
  ]);
  maybe(rng, 0.3, f, () => [4, retry(rng, t)]);
  maybe(rng, 0.3, f, () => [5, u32(rng, () => rng.int(1, 3_600_000), t)]);
  maybe(rng, 0.2, f, () => [
    6,
    msg([
      [1, dbl(rng.pick(DOUBLES))],
      [2, u32(rng, () => rng.int(1, 100), t)],
    ]),
  ]);
  maybe(rng, 0.2, f, () =>
    mapEntries(
      7,
      Array.from(
        { length: rng.pick([1, 3, 257]) },
        (_, i) =>
          [
            rng.chance(0.7) ? str(`m${i}`) : nastyString(rng),
            msg([
              [3, u32(rng, () => rng.int(1, 1000), t)],
              [2, retry(rng, t)],
            ]),
          ] as const,
      ),
    ),
  );
  return msg(noise(rng, f, t));
}

// ---- Requests -------------------------------------------------------------------------------

export const registerRequest: Gen = (rng, _st, t) =>
  noise(
    rng,
    [
      [1, text(rng, () => serviceName(rng), t)],
      [2, text(rng, () => host(rng), t)],
      [3, u32(rng, () => rng.int(8000, 8009), t)],
      [4, text(rng, () => rng.pick(["", "zone-a", "eu-west-1b"]), t)],
      [5, u32(rng, () => rng.int(0, 1000), t)],
      ...metadataMap(rng, t),
      [7, enumValue(rng, 3, t)],
      [8, u32(rng, () => rng.pick([0, 500, 2000, 5000]), t)],
    ],
    t,
  );

export const keepAliveRequest: Gen = (rng, st, t) =>
  noise(
    rng,
    [
      [1, text(rng, () => leaseId(rng, st), t)],
      [2, enumValue(rng, 3, t)],
    ],
    t,
  );

/** A route table: a valid one, or (marked invalid) an empty one or bytes of no table. */
function routes(rng: Rng, t: Traits): WireValue {
  if (rng.chance(0.6)) {
    const table = rng.pick([canaryRoutes(), splitRoutes(rng.int(0, 100))]);
    return bytes(RouteTable.encode(table).finish());
  }
  t.valid = false;
  return rng.chance(0.5) ? msg([]) : bytes(Buffer.from(rng.pick(["\xff\xff", "garbage", "\u0012\u0001"])));
}

const UNARY: Readonly<Record<string, Gen>> = {
  "Registration/Register": registerRequest,
  "Registration/Deregister": (rng, st, t) => noise(rng, [[1, text(rng, () => leaseId(rng, st), t)]], t),
  "Registration/AwaitPropagation": (rng, _st, t) =>
    noise(
      rng,
      [
        [1, text(rng, () => serviceName(rng), t)],
        [2, u64v(rng, () => rng.int(1, 50), t)],
        [3, u32(rng, () => rng.int(1, 200), t)],
      ],
      t,
    ),
  "Admin/ListServices": (rng, _st, t) => noise(rng, [], t),
  "Admin/GetService": (rng, _st, t) => noise(rng, [[1, text(rng, () => serviceName(rng), t)]], t),
  "Admin/SetPolicy": (rng, _st, t) => {
    const fields: Field[] = [[1, text(rng, () => serviceName(rng), t)]];
    if (rng.chance(0.9)) fields.push([2, policy(rng, t)]);
    else t.valid = false; // SetPolicy without a policy is INVALID_ARGUMENT
    fields.push([3, rng.chance(0.9) ? bool(rng.chance(0.3)) : u64(2n ** 64n - 1n)]);
    return noise(rng, fields, t);
  },
  "Admin/DeletePolicy": (rng, _st, t) => noise(rng, [[1, text(rng, () => serviceName(rng), t)]], t),
  "Admin/SetRoutes": (rng, _st, t) => {
    const fields: Field[] = [[1, text(rng, () => serviceName(rng), t)]];
    if (rng.chance(0.9)) fields.push([2, routes(rng, t)]);
    else t.valid = false; // SetRoutes without a table is INVALID_ARGUMENT
    fields.push([3, bool(rng.chance(0.3))]);
    return noise(rng, fields, t);
  },
  "Admin/GetRoutes": (rng, _st, t) => noise(rng, [[1, text(rng, () => serviceName(rng), t)]], t),
  "Admin/DeleteRoutes": (rng, _st, t) => noise(rng, [[1, text(rng, () => serviceName(rng), t)]], t),
  "Admin/DrainEndpoint": (rng, _st, t) =>
    noise(
      rng,
      [
        [1, text(rng, () => serviceName(rng), t)],
        [2, text(rng, () => endpointId(rng), t)],
        [3, bool(rng.chance(0.5))],
      ],
      t,
    ),
  "Admin/RemoveEndpoint": (rng, _st, t) =>
    noise(
      rng,
      [
        [1, text(rng, () => serviceName(rng), t)],
        [2, text(rng, () => endpointId(rng), t)],
      ],
      t,
    ),
  "Admin/ListSubscribers": (rng, _st, t) =>
    noise(rng, [[1, text(rng, () => rng.pick(["", ...SERVICES]), t)]], t),
};

export const UNARY_RPCS = Object.keys(UNARY);

export function unaryRequest(rpc: string, rng: Rng, st: FuzzState, t: Traits): Uint8Array {
  const gen = UNARY[rpc];
  if (!gen) throw new Error(`no generator for ${rpc}`);
  return encode(gen(rng, st, t));
}

// ---- Watch requests -------------------------------------------------------------------------

export function helloRequest(rng: Rng, t: Traits): Uint8Array {
  const known = rng.chance(0.7)
    ? mapEntries(5, [[str(serviceName(rng)), u64v(rng, () => rng.int(0, 5), t)]])
    : mapEntries(
        5,
        Array.from(
          { length: rng.pick([1, 10, 40, 200]) },
          (_, i) =>
            [
              rng.chance(0.7) ? str(`${serviceName(rng)}-${i}`) : nastyString(rng),
              u64v(rng, () => rng.int(0, 5), t),
            ] as const,
        ),
      );
  return encode([
    [
      1,
      msg(
        noise(
          rng,
          [
            [1, text(rng, () => `fuzz-${rng.int(0, 99)}`, t)],
            [2, text(rng, () => rng.pick(["", "zone-a"]), t)],
            [3, text(rng, () => "fuzz", t)],
            [4, text(rng, () => "", t)],
            ...(rng.chance(0.6) ? known : []),
          ],
          t,
        ),
      ),
    ],
  ]);
}

/** A WatchRequest after Hello: subscribe, unsubscribe, ack, nack, a second hello, or none. */
export function watchRequest(rng: Rng, t: Traits, nonces: readonly string[]): Uint8Array {
  const nonce = () => (nonces.length > 0 && rng.chance(0.6) ? rng.pick(nonces) : randomText(rng, 20));
  const r = rng.next();
  if (r < 0.35)
    return encode([
      [
        2,
        msg([
          [1, text(rng, () => serviceName(rng), t)],
          [2, u64v(rng, () => rng.int(0, 5), t)],
        ]),
      ],
    ]);
  if (r < 0.45) return encode([[3, msg([[1, text(rng, () => serviceName(rng), t)]])]]);
  if (r < 0.75) return encode([[4, msg([[1, rng.chance(0.9) ? str(nonce()) : nastyString(rng)]])]]);
  if (r < 0.87) {
    const reason = rng.chance(0.7) ? str("bad policy") : str(LONG(rng.pick([1025, 20_000])));
    return encode([
      [
        5,
        msg([
          [1, str(nonce())],
          [2, reason],
        ]),
      ],
    ]);
  }
  if (r < 0.96) return encode([[rng.pick([2, 3, 4, 5]), msg([])]]);
  t.valid = false;
  if (r < 0.98) return helloRequest(rng, t); // a second hello
  return encode(noise(rng, [], t)); // kind unset
}

// ---- Raw mutations --------------------------------------------------------------------------

/** A message taken apart at the byte level. */
export function mutate(rng: Rng, good: Uint8Array): Uint8Array {
  switch (rng.int(0, 8)) {
    case 0:
      return rng.bytes(rng.int(0, 64));
    case 1:
      return good.slice(0, rng.int(0, Math.max(0, good.length - 1)));
    case 2: {
      const out = Uint8Array.from(good);
      for (let i = rng.int(1, 4); i > 0 && out.length > 0; i--) {
        const at = rng.int(0, out.length - 1);
        out[at] = (out[at] ?? 0) ^ (1 << rng.int(0, 7));
      }
      return out;
    }
    case 3:
      // A length-delimited field claiming far more bytes than follow.
      return Uint8Array.from([
        ...good,
        0x0a,
        ...varintBytes(BigInt(rng.pick([1000, 2 ** 31, 2 ** 32 + 5]))),
        1,
        2,
      ]);
    case 4:
      // A varint that never ends.
      return Uint8Array.from([...good, 0x08, ...Array.from({ length: 12 }, () => 0xff)]);
    case 5: {
      // Start-group tags nested far deeper than any decoder should follow.
      const depth = rng.pick([50, 101, 5000]);
      return Uint8Array.from([...good, ...Array.from({ length: depth }, () => 0x7b)]);
    }
    case 6:
      // An end-group tag with no group open; or field number 0.
      return Uint8Array.from([...good, rng.chance(0.5) ? 0x7c : 0x00, 0x01]);
    case 7:
      // Wire types 6 and 7 do not exist.
      return Uint8Array.from([...good, rng.chance(0.5) ? 0x0e : 0x0f, 0x01]);
    default:
      return Uint8Array.from([...good, ...rng.bytes(rng.int(1, 16))]);
  }
}

/** A request bigger than the server accepts (`limit` bytes). */
export function oversized(rpc: string, limit: number): Uint8Array {
  const filler = str(LONG(limit + 1024));
  return rpc === "Admin/SetPolicy"
    ? encode([
        [1, str("fz-a")],
        [99, filler],
      ])
    : encode([[1, filler]]);
}
