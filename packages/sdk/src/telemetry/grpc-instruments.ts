import type { Counter, Histogram, Meter } from "@opentelemetry/api";

/** gRFC A66 latency buckets, s. */
export const A66_LATENCY_BUCKETS_S = [
  0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01,
  0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65,
  0.8, 1, 2, 5, 10, 20, 50, 100,
];

/** gRFC A66 size buckets, bytes. */
export const A66_SIZE_BUCKETS_BYTES = [
  0, 1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824,
  4294967296,
];

/** Attribute names: gRFC A66's, then the mesh's own. */
export const ATTR = {
  method: "grpc.method",
  target: "grpc.target",
  status: "grpc.status",
  /** The endpoint ("host:port") an attempt was sent to. */
  endpoint: "switchboard.endpoint",
  /** How many attempts of the call came before this one (0 for the first). */
  attempt: "switchboard.attempt",
  /** The route destination a call was sent to, when the service routes (set through CallTelemetry.route). */
  route: "switchboard.route",
} as const;

function latency(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, {
    description,
    unit: "s",
    advice: { explicitBucketBoundaries: A66_LATENCY_BUCKETS_S },
  });
}

function size(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, {
    description,
    unit: "By",
    advice: { explicitBucketBoundaries: A66_SIZE_BUCKETS_BYTES },
  });
}

/** gRFC A66 client instruments. */
export interface ClientInstruments {
  readonly attemptStarted: Counter;
  readonly attemptDuration: Histogram;
  readonly attemptSentBytes: Histogram;
  readonly attemptReceivedBytes: Histogram;
  readonly callDuration: Histogram;
}

export function clientInstruments(meter: Meter): ClientInstruments {
  return {
    attemptStarted: meter.createCounter("grpc.client.attempt.started", {
      description: "Number of client call attempts started.",
      unit: "{attempt}",
    }),
    attemptDuration: latency(
      meter,
      "grpc.client.attempt.duration",
      "Time taken to complete a client call attempt.",
    ),
    attemptSentBytes: size(
      meter,
      "grpc.client.attempt.sent_total_compressed_message_size",
      "Compressed message bytes sent per client call attempt.",
    ),
    attemptReceivedBytes: size(
      meter,
      "grpc.client.attempt.rcvd_total_compressed_message_size",
      "Compressed message bytes received per call attempt.",
    ),
    callDuration: latency(
      meter,
      "grpc.client.call.duration",
      "Time taken by gRPC to complete an RPC from application's perspective.",
    ),
  };
}

/** gRFC A66 server instruments. */
export interface ServerInstruments {
  readonly callStarted: Counter;
  readonly callDuration: Histogram;
  readonly sentBytes: Histogram;
  readonly receivedBytes: Histogram;
}

export function serverInstruments(meter: Meter): ServerInstruments {
  return {
    callStarted: meter.createCounter("grpc.server.call.started", {
      description: "Number of server calls started.",
      unit: "{call}",
    }),
    callDuration: latency(
      meter,
      "grpc.server.call.duration",
      "Time taken to complete a call from server transport's perspective.",
    ),
    sentBytes: size(
      meter,
      "grpc.server.call.sent_total_compressed_message_size",
      "Compressed message bytes sent per server call.",
    ),
    receivedBytes: size(
      meter,
      "grpc.server.call.rcvd_total_compressed_message_size",
      "Compressed message bytes received per server call.",
    ),
  };
}

/** Span names as gRPC's OpenTelemetry tracing names them (gRFC A72): "pkg.Service.Method". */
export function spanName(path: string): string {
  return (path.startsWith("/") ? path.slice(1) : path).replace("/", ".");
}
