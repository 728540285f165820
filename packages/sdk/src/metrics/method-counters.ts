/** Upper bounds (s) of `switchboard_client_request_duration_seconds`. */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** gRPC status codes 0..16 get a slot each; any other code is counted in a map. */
const KNOWN_CODES = 17;

export type RejectReason = "rate_limited" | "circuit_open";

/**
 * Plain counters for one (service, method), owned by the SDK: recording a call is a few array
 * increments, with no label hashing and no string building. prom-client reads them when it is
 * scraped (see call-series.ts).
 */
export class MethodCounters {
  /** Calls by final status code. */
  readonly byCode = new Float64Array(KNOWN_CODES);
  /** Calls with a code outside 0..16 (never sent by a conforming peer). */
  readonly otherCodes = new Map<number, number>();
  /** Calls per latency bucket (not cumulative); the last slot is above the largest bound. */
  readonly latencyBuckets = new Float64Array(LATENCY_BUCKETS_S.length + 1);
  latencySumS = 0;
  latencyCount = 0;
  retries = 0;
  rateLimited = 0;
  circuitOpen = 0;

  constructor(
    readonly service: string,
    /** "package.Service/Method". */
    readonly method: string,
  ) {}

  /** A call ended: its final code, its latency as the caller saw it, the retries it sent. */
  record(code: number, latencyMs: number, retries: number): void {
    if (code >= 0 && code < KNOWN_CODES) this.byCode[code] = (this.byCode[code] as number) + 1;
    else this.otherCodes.set(code, (this.otherCodes.get(code) ?? 0) + 1);
    const s = latencyMs / 1000;
    const bounds = LATENCY_BUCKETS_S;
    let i = 0;
    while (i < bounds.length && s > (bounds[i] as number)) i++;
    this.latencyBuckets[i] = (this.latencyBuckets[i] as number) + 1;
    this.latencySumS += s;
    this.latencyCount++;
    this.retries += retries;
  }

  rejected(reason: RejectReason): void {
    if (reason === "rate_limited") this.rateLimited++;
    else this.circuitOpen++;
  }

  /** Calls per status code with at least one call, in code order. */
  *codes(): Generator<[code: number, calls: number]> {
    for (let code = 0; code < KNOWN_CODES; code++) {
      const n = this.byCode[code] as number;
      if (n > 0) yield [code, n];
    }
    yield* this.otherCodes;
  }
}

/**
 * Every (service, method)'s counters for one prom-client registry. Mesh clients sharing a
 * registry share the table, as they share its series. A method's counters are looked up once,
 * when its method record is made, never per call.
 */
export class CallCounterTable {
  private readonly methods = new Map<string, MethodCounters>();

  forMethod(service: string, method: string): MethodCounters {
    const key = `${service}\n${method}`;
    let counters = this.methods.get(key);
    if (!counters) {
      counters = new MethodCounters(service, method);
      this.methods.set(key, counters);
    }
    return counters;
  }

  all(): IterableIterator<MethodCounters> {
    return this.methods.values();
  }
}
