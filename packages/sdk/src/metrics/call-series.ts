import { statusName } from "@switchboard/core";
import { Counter, Histogram, type Registry } from "prom-client";
import { CallCounterTable, LATENCY_BUCKETS_S, type MethodCounters } from "./method-counters.js";

type MethodLabel = "service" | "method";
type HistogramData = Awaited<ReturnType<Histogram<MethodLabel>["get"]>>;
type HistogramValue = HistogramData["values"][number];

const REQUESTS_NAME = "switchboard_client_requests_total";
const LATENCY_NAME = "switchboard_client_request_duration_seconds";
const LATENCY_HELP = "Call latency as the caller saw it, retries and backoff included.";

/**
 * `switchboard_client_request_duration_seconds`, read from the SDK's own counters when the
 * registry is scraped: the same histogram prom-client would export, built from the bucket counts
 * of each (service, method) instead of from `observe()` calls.
 */
class CallLatencyHistogram extends Histogram<MethodLabel> {
  constructor(
    registry: Registry,
    private readonly table: CallCounterTable,
  ) {
    super({
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      labelNames: ["service", "method"],
      buckets: [...LATENCY_BUCKETS_S],
      registers: [registry],
    });
  }

  /** As prom-client's text output reads it: `le` first, then the series' labels. */
  getForPromString(): Promise<HistogramData> {
    return Promise.resolve(this.data(true));
  }

  override async get(): Promise<HistogramData> {
    return this.data(false);
  }

  private data(shared: boolean): HistogramData {
    const values: HistogramValue[] = [];
    for (const m of this.table.all()) {
      if (m.latencyCount > 0) pushHistogram(values, m, shared);
    }
    return {
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      type: "histogram" as unknown as HistogramData["type"],
      values,
      aggregator: "sum",
      collect: () => {},
    };
  }
}

/**
 * One method's buckets, sum and count, in prom-client's shape: for the text output, `le` in
 * `labels` and the series' own labels in `sharedLabels`; for JSON, all of them in `labels`.
 */
function pushHistogram(values: HistogramValue[], m: MethodCounters, shared: boolean): void {
  const own = { service: m.service, method: m.method };
  const line = (le: number | string | undefined, value: number, suffix: string) => {
    const labels = (le === undefined ? {} : { le }) as HistogramValue["labels"];
    const entry = shared
      ? { labels, sharedLabels: own, value, metricName: `${LATENCY_NAME}${suffix}` }
      : { labels: { ...labels, ...own }, value, metricName: `${LATENCY_NAME}${suffix}` };
    values.push(entry as HistogramValue);
  };
  let cumulative = 0;
  LATENCY_BUCKETS_S.forEach((le, i) => {
    cumulative += m.latencyBuckets[i] as number;
    line(le, cumulative, "_bucket");
  });
  line("+Inf", m.latencyCount, "_bucket");
  line(undefined, m.latencySumS, "_sum");
  line(undefined, m.latencyCount, "_count");
}

/** A counter whose values are set from `read` each time the registry is scraped. */
function collectedCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
  read: (set: (labels: Record<L, string>, value: number) => void) => void,
): Counter<L> {
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read((labels, value) => {
        if (value > 0) this.inc(labels as Partial<Record<L, string>>, value);
      });
    },
  });
}

/** `switchboard_client_requests_total`, carrying the counters every per-call series reads. */
type RequestsCounter = Counter<"service" | "method" | "code"> & { readonly table?: CallCounterTable };

/** The per-call series of one registry, and the counters they read. */
export interface CallSeries {
  readonly table: CallCounterTable;
  readonly requests: Counter<"service" | "method" | "code">;
  readonly latency: Histogram<MethodLabel>;
  readonly retries: Counter<MethodLabel>;
}

type Existing = <T>(name: string, make: () => T) => T;

/**
 * The per-call series, created once per registry (`existing` finds those made already): mesh
 * clients sharing a registry share its series and the counters behind them. Registered in the
 * order the client always registered them.
 */
export function callSeries(registry: Registry, existing: Existing): CallSeries {
  const requests: RequestsCounter = existing(REQUESTS_NAME, () => {
    const table = new CallCounterTable();
    const counter = collectedCounter(
      registry,
      REQUESTS_NAME,
      "Calls made through the mesh, by final gRPC status code (after retries).",
      ["service", "method", "code"],
      (set) => {
        for (const m of table.all()) {
          for (const [code, n] of m.codes())
            set({ service: m.service, method: m.method, code: statusName(code) }, n);
        }
      },
    );
    return Object.assign(counter, { table });
  });
  const table = requests.table;
  if (!table)
    throw new Error(
      `${REQUESTS_NAME} is already registered on this registry by something other than a mesh client`,
    );
  const latency = existing(LATENCY_NAME, () => new CallLatencyHistogram(registry, table));
  const retries = existing("switchboard_client_retries_total", () =>
    collectedCounter(
      registry,
      "switchboard_client_retries_total",
      "Retry attempts sent.",
      ["service", "method"],
      (set) => {
        for (const m of table.all()) set({ service: m.service, method: m.method }, m.retries);
      },
    ),
  );
  return { table, requests, latency, retries };
}

/** `switchboard_client_rejected_total`, read from `table`. */
export function rejectedSeries(
  registry: Registry,
  table: CallCounterTable,
  existing: Existing,
): Counter<"service" | "method" | "reason"> {
  return existing("switchboard_client_rejected_total", () =>
    collectedCounter(
      registry,
      "switchboard_client_rejected_total",
      "Calls failed locally without a network call: reason=rate_limited or circuit_open.",
      ["service", "method", "reason"],
      (set) => {
        for (const m of table.all()) {
          set({ service: m.service, method: m.method, reason: "rate_limited" }, m.rateLimited);
          set({ service: m.service, method: m.method, reason: "circuit_open" }, m.circuitOpen);
        }
      },
    ),
  );
}
