import { type ChannelCredentials, type ChannelOptions, credentials } from "@grpc/grpc-js";
import {
  CLIENT_REPORT_LIMITS,
  type Clock,
  defaultInstanceId,
  guardedLogDestination,
  monotonicClock,
  parseHostPort,
} from "@switchboard/core";
import pino, { type Logger } from "pino";
import type { Registry } from "prom-client";
import type { MeterProviderLike, TracerProviderLike } from "../telemetry/provider-types.js";
import { DEFAULT_EPOCH_CHANGE_HOLD_MS } from "./service-view.js";

export interface MeshClientOptions {
  /**
   * Control-plane address ("host:port"), or several replicas (tried in turn on reconnect).
   * Default: `SWITCHBOARD_CONTROL_PLANE` (comma-separated), else "127.0.0.1:7400".
   */
  readonly controlPlane?: string | readonly string[];
  /** Credentials for the control-plane connection. Default: insecure (plaintext). */
  readonly controlPlaneCredentials?: ChannelCredentials;
  /** Extra grpc-js options for the control-plane connection. */
  readonly controlPlaneChannelOptions?: ChannelOptions;
  /** Bearer token for Discovery. Default: `SWITCHBOARD_DISCOVERY_TOKEN`, else none. */
  readonly token?: string;
  /** Identity shown in Admin.ListSubscribers. Default: "<hostname>-<pid>-<random>". */
  readonly clientId?: string;
  /** This process's zone, for zone-aware balancing. Default: `SWITCHBOARD_ZONE`, else "". */
  readonly zone?: string;
  /**
   * Name for `mesh://<name>/<service>` targets. `mesh:///<service>` uses the oldest open mesh
   * client. Default: "default".
   */
  readonly name?: string;
  /**
   * Credentials for the data path of `call()` (generated clients bring their own).
   * Default: insecure.
   */
  readonly channelCredentials?: ChannelCredentials;
  /** prom-client registry for `switchboard_client_*` series. Default: the global registry. */
  readonly registry?: Registry;
  /** Default: pino at `SWITCHBOARD_LOG_LEVEL` (else "info") on stderr. */
  readonly logger?: Logger;
  /**
   * File the client writes the last state of every service to on each update, and reads at
   * cold start, so it can route before the control plane answers. Default: none.
   */
  readonly snapshotFile?: string;
  /** First reconnect delay cap, ms (full jitter). Default 100. */
  readonly reconnectInitialBackoffMs?: number;
  /** Largest reconnect delay, ms. Default 5000. */
  readonly reconnectMaxBackoffMs?: number;
  /**
   * After the control plane's store was wiped (a new epoch), how long the client keeps routing to
   * the endpoints it knew beside those registered again, ms: set it to your longest lease TTL.
   * 0 turns it off. Default 10000 (the control plane's default lease TTL).
   */
  readonly epochChangeHoldMs?: number;
  /**
   * How often the client reports what it sees of each subscribed service to the control plane
   * (ejected endpoints, breaker states, calls and errors, the policy version it runs), ms:
   * 1000..60000, or 0 to send no reports. A state change (an ejection, a breaker opening or
   * closing) is reported at once as well, at most once a second per service. Admin.GetServiceHealth
   * shows the merged reports. Default 5000.
   */
  readonly reportIntervalMs?: number;
  /**
   * OpenTelemetry MeterProvider for the gRFC A66 client instruments (`grpc.client.*`).
   * Needs the optional peer dependency @opentelemetry/api. Default: the global one, when the
   * application registered one.
   */
  readonly meterProvider?: MeterProviderLike;
  /**
   * OpenTelemetry TracerProvider for a span per call and per attempt. Needs the optional peer
   * dependency @opentelemetry/api. Default: the global one, when the application registered one.
   */
  readonly tracerProvider?: TracerProviderLike;
  /** For tests. Default: a monotonic high-resolution clock. */
  readonly clock?: Clock;
  /** For tests. Default: Math.random. */
  readonly random?: () => number;
}

export interface ResolvedMeshClientOptions {
  readonly controlPlane: readonly string[];
  readonly controlPlaneCredentials: ChannelCredentials;
  readonly controlPlaneChannelOptions: ChannelOptions;
  readonly token: string | undefined;
  readonly clientId: string;
  readonly zone: string;
  readonly name: string;
  readonly channelCredentials: ChannelCredentials;
  readonly registry: Registry | undefined;
  readonly logger: Logger;
  readonly snapshotFile: string | undefined;
  readonly reconnectInitialBackoffMs: number;
  readonly reconnectMaxBackoffMs: number;
  readonly epochChangeHoldMs: number;
  /** 0: no reports. */
  readonly reportIntervalMs: number;
  readonly meterProvider: MeterProviderLike | undefined;
  readonly tracerProvider: TracerProviderLike | undefined;
  readonly clock: Clock;
  readonly random: () => number;
}

function positive(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`createMeshClient: ${field} must be > 0 (got ${v})`);
  return v;
}

function reportInterval(value: number | undefined): number {
  const { default: fallback, min, max } = CLIENT_REPORT_LIMITS.intervalMs;
  const v = value ?? fallback;
  if (v === 0) return 0;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`createMeshClient: reportIntervalMs must be 0 (off) or ${min}..${max} (got ${v})`);
  return v;
}

/** Applies defaults and checks every option; throws a RangeError naming the bad one. */
export function resolveMeshClientOptions(o: MeshClientOptions = {}): ResolvedMeshClientOptions {
  const env = process.env;
  const raw = o.controlPlane ?? (env.SWITCHBOARD_CONTROL_PLANE || "127.0.0.1:7400");
  const controlPlane = (typeof raw === "string" ? raw.split(",") : [...raw])
    .map((a) => a.trim())
    .filter(Boolean);
  if (controlPlane.length === 0)
    throw new RangeError("createMeshClient: controlPlane needs at least one address");
  for (const address of controlPlane) {
    if (parseHostPort(address) === undefined) {
      throw new RangeError(`createMeshClient: controlPlane "${address}" is not "host:port"`);
    }
  }
  const hold = o.epochChangeHoldMs ?? DEFAULT_EPOCH_CHANGE_HOLD_MS;
  if (!Number.isFinite(hold) || hold < 0)
    throw new RangeError(`createMeshClient: epochChangeHoldMs must be >= 0 (got ${hold})`);
  const reportIntervalMs = reportInterval(o.reportIntervalMs);
  const initial = positive(o.reconnectInitialBackoffMs, 100, "reconnectInitialBackoffMs");
  const max = positive(o.reconnectMaxBackoffMs, 5000, "reconnectMaxBackoffMs");
  if (max < initial)
    throw new RangeError("createMeshClient: reconnectMaxBackoffMs must be >= reconnectInitialBackoffMs");
  return {
    controlPlane,
    controlPlaneCredentials: o.controlPlaneCredentials ?? credentials.createInsecure(),
    controlPlaneChannelOptions: {
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      "grpc.keepalive_permit_without_calls": 1,
      // The stream's own jittered backoff paces reconnects. grpc-js's connection backoff (1 s
      // growing to 120 s) would add to it, so keep it short; grpc-js connects only when a
      // stream asks, so this adds no attempts.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 250,
      ...o.controlPlaneChannelOptions,
    },
    token: o.token ?? (env.SWITCHBOARD_DISCOVERY_TOKEN || undefined),
    clientId: o.clientId ?? defaultInstanceId(),
    zone: o.zone ?? env.SWITCHBOARD_ZONE ?? "",
    name: o.name ?? "default",
    channelCredentials: o.channelCredentials ?? credentials.createInsecure(),
    registry: o.registry,
    logger:
      o.logger ??
      pino({ level: env.SWITCHBOARD_LOG_LEVEL || "info" }, guardedLogDestination({ stream: process.stderr })),
    snapshotFile: o.snapshotFile,
    reconnectInitialBackoffMs: initial,
    reconnectMaxBackoffMs: max,
    epochChangeHoldMs: hold,
    reportIntervalMs,
    meterProvider: o.meterProvider,
    tracerProvider: o.tracerProvider,
    clock: o.clock ?? monotonicClock,
    random: o.random ?? Math.random,
  };
}
