import { networkInterfaces } from "node:os";
import {
  type ChannelCredentials,
  type ChannelOptions,
  credentials,
  ServerCredentials as SC,
  type ServerCredentials,
  type ServerOptions,
} from "@grpc/grpc-js";
import { guardedLogDestination } from "@switchboard/core";
import pino, { type Logger } from "pino";
import type { MeterProviderLike, TracerProviderLike } from "../telemetry/provider-types.js";

export interface MeshServerOptions {
  /** Mesh service name clients call (`mesh:///<service>`). Required. */
  readonly service: string;
  /** Control-plane address(es). Default: `SWITCHBOARD_CONTROL_PLANE` (comma-separated), else "127.0.0.1:7400". */
  readonly controlPlane?: string | readonly string[];
  /** Default: insecure. */
  readonly controlPlaneCredentials?: ChannelCredentials;
  /** Registration bearer token. Default: `SWITCHBOARD_REGISTRATION_TOKEN`, else none. */
  readonly token?: string;
  /** Address to bind. Default: "0.0.0.0:0" (any interface, a free port). */
  readonly listen?: string;
  /** Host clients connect to. Default: the listen host, or this machine's first non-internal IPv4 when listening on all interfaces. */
  readonly advertiseHost?: string;
  /** Default: insecure. */
  readonly credentials?: ServerCredentials;
  /** Extra grpc-js server options. */
  readonly serverOptions?: ServerOptions;
  /** Default: `SWITCHBOARD_ZONE`, else "". */
  readonly zone?: string;
  /** 1..1000. Default 1. */
  readonly weight?: number;
  /** Labels registered with the endpoint (version, canary, ...); at most 32 entries. Default {}. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Requested lease TTL, ms; 0 = the control plane's default. Default 0. */
  readonly leaseTtlMs?: number;
  /** How long a drain waits for clients to acknowledge DRAINING, ms. Default 5000. */
  readonly drainPropagationTimeoutMs?: number;
  /** How long a drain waits for in-flight calls, ms. Default 30000. */
  readonly drainInFlightTimeoutMs?: number;
  /** How long `start()` waits for the first registration before resolving anyway (it keeps trying), ms. Default 10000. */
  readonly startupRegistrationTimeoutMs?: number;
  /** Drain on SIGTERM and SIGINT. Default true. */
  readonly handleSignals?: boolean;
  /** After a signal-triggered drain, exit the process (code 0). Default true. */
  readonly exitAfterSignalDrain?: boolean;
  /** Default: pino at `SWITCHBOARD_LOG_LEVEL` (else "info") on stderr. */
  readonly logger?: Logger;
  /**
   * OpenTelemetry MeterProvider for the gRFC A66 server instruments (`grpc.server.*`).
   * Needs the optional peer dependency @opentelemetry/api. Default: the global one, when the
   * application registered one.
   */
  readonly meterProvider?: MeterProviderLike;
  /**
   * OpenTelemetry TracerProvider for a SERVER span per call, continuing the caller's trace and
   * active while the handler runs. Default: the global one, when the application registered one.
   */
  readonly tracerProvider?: TracerProviderLike;
}

export interface ResolvedMeshServerOptions {
  readonly service: string;
  /** Control-plane replicas, tried in turn. */
  readonly controlPlane: readonly string[];
  readonly controlPlaneCredentials: ChannelCredentials;
  readonly controlPlaneChannelOptions: ChannelOptions;
  readonly token: string | undefined;
  readonly listen: string;
  readonly advertiseHost: string | undefined;
  readonly credentials: ServerCredentials;
  readonly serverOptions: ServerOptions;
  readonly zone: string;
  readonly weight: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly leaseTtlMs: number;
  readonly drainPropagationTimeoutMs: number;
  readonly drainInFlightTimeoutMs: number;
  readonly startupRegistrationTimeoutMs: number;
  readonly handleSignals: boolean;
  readonly exitAfterSignalDrain: boolean;
  readonly logger: Logger;
  readonly meterProvider: MeterProviderLike | undefined;
  readonly tracerProvider: TracerProviderLike | undefined;
}

function nonNegative(v: number | undefined, fallback: number, field: string): number {
  const value = v ?? fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`createMeshServer: ${field} must be >= 0 (got ${value})`);
  return value;
}

export function resolveMeshServerOptions(o: MeshServerOptions): ResolvedMeshServerOptions {
  const env = process.env;
  if (!o.service || !/^[A-Za-z0-9._-]{1,128}$/.test(o.service)) {
    throw new RangeError(
      `createMeshServer: service must be 1..128 of [A-Za-z0-9._-] (got "${o.service ?? ""}")`,
    );
  }
  const weight = o.weight ?? 1;
  if (!Number.isInteger(weight) || weight < 1 || weight > 1000) {
    throw new RangeError(`createMeshServer: weight must be a whole number in 1..1000 (got ${weight})`);
  }
  const cp = o.controlPlane ?? (env.SWITCHBOARD_CONTROL_PLANE || "127.0.0.1:7400");
  const addresses = (typeof cp === "string" ? cp.split(",") : [...cp]).map((a) => a.trim()).filter(Boolean);
  if (addresses.length === 0)
    throw new RangeError("createMeshServer: controlPlane needs at least one address");
  return {
    service: o.service,
    controlPlane: addresses,
    controlPlaneCredentials: o.controlPlaneCredentials ?? credentials.createInsecure(),
    controlPlaneChannelOptions: {
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      // The registrar's own jittered backoff paces reconnects; keep grpc-js's (up to 120 s)
      // from adding to it. grpc-js connects only when a call asks.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 250,
    },
    token: o.token ?? (env.SWITCHBOARD_REGISTRATION_TOKEN || undefined),
    listen: o.listen ?? "0.0.0.0:0",
    advertiseHost: o.advertiseHost,
    credentials: o.credentials ?? SC.createInsecure(),
    serverOptions: o.serverOptions ?? {},
    zone: o.zone ?? env.SWITCHBOARD_ZONE ?? "",
    weight,
    metadata: o.metadata ?? {},
    leaseTtlMs: nonNegative(o.leaseTtlMs, 0, "leaseTtlMs"),
    drainPropagationTimeoutMs: nonNegative(o.drainPropagationTimeoutMs, 5000, "drainPropagationTimeoutMs"),
    drainInFlightTimeoutMs: nonNegative(o.drainInFlightTimeoutMs, 30_000, "drainInFlightTimeoutMs"),
    startupRegistrationTimeoutMs: nonNegative(
      o.startupRegistrationTimeoutMs,
      10_000,
      "startupRegistrationTimeoutMs",
    ),
    handleSignals: o.handleSignals ?? true,
    exitAfterSignalDrain: o.exitAfterSignalDrain ?? true,
    logger:
      o.logger ??
      pino({ level: env.SWITCHBOARD_LOG_LEVEL || "info" }, guardedLogDestination({ stream: process.stderr })),
    meterProvider: o.meterProvider,
    tracerProvider: o.tracerProvider,
  };
}

const WILDCARD = new Set(["0.0.0.0", "::", "[::]", ""]);

/** The host to advertise for a listen address. */
export function advertisedHost(listenHost: string, configured: string | undefined): string {
  if (configured) return configured;
  if (!WILDCARD.has(listenHost)) return listenHost.replace(/^\[|\]$/g, "");
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}
