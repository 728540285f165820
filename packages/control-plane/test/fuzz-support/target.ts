/**
 * The system under fuzz: the real `switchboard-control-plane` process on a real redis-server,
 * with all three tokens set and small limits (so limits are reached), and a raw client to it.
 */
import { Metadata, status } from "@grpc/grpc-js";
import {
  type ControlPlaneProcess,
  launchControlPlane,
  launchRedis,
  type RedisServerHandle,
} from "../../src/testing/index.js";
import type { Rng } from "./prng.js";
import { RawClient } from "./raw-client.js";
import { type ConsistencyReport, checkRedisConsistency } from "./redis-consistency.js";

export const TOKENS = {
  admin: "fz-admin-7f3a",
  registration: "fz-reg-91c2",
  discovery: "fz-disc-55e0",
} as const;
export type Scope = keyof typeof TOKENS;

export const LIMITS = {
  maxMessageBytes: 64 * 1024,
  maxEndpointsPerService: 40,
  maxSubscriptionsPerStream: 20,
  maxWatchStreams: 400,
  maxLeaseTtlMs: 5000,
} as const;

/** Codes a control plane may answer hostile input with. */
export const PROPER = new Set<number>([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.RESOURCE_EXHAUSTED,
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.ALREADY_EXISTS,
]);

export interface FuzzTarget {
  readonly redis: RedisServerHandle;
  readonly bin: ControlPlaneProcess;
  readonly raw: RawClient;
  stop(): Promise<number | null>;
  consistency(): Promise<ConsistencyReport>;
  /** Log lines at level error or fatal, and handler errors. */
  errorLogs(): string[];
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const redis = await launchRedis();
  let bin: ControlPlaneProcess;
  try {
    bin = await launchControlPlane({
      replicaId: "fuzz",
      redisUrl: redis.url,
      redisKeyPrefix: redis.keyPrefix,
      args: [
        "--max-message-bytes",
        String(LIMITS.maxMessageBytes),
        "--max-endpoints-per-service",
        String(LIMITS.maxEndpointsPerService),
        "--max-subscriptions-per-stream",
        String(LIMITS.maxSubscriptionsPerStream),
        "--max-watch-streams",
        String(LIMITS.maxWatchStreams),
        "--min-lease-ttl-ms",
        "500",
        "--max-lease-ttl-ms",
        String(LIMITS.maxLeaseTtlMs),
        "--lease-ttl-ms",
        "2000",
      ],
      env: {
        SWITCHBOARD_ADMIN_TOKEN: TOKENS.admin,
        SWITCHBOARD_REGISTRATION_TOKEN: TOKENS.registration,
        SWITCHBOARD_DISCOVERY_TOKEN: TOKENS.discovery,
      },
    });
  } catch (error) {
    await redis.stop();
    throw error;
  }
  const raw = new RawClient(bin.address);
  return {
    redis,
    bin,
    raw,
    async stop() {
      raw.close();
      const { code } = await bin.stop();
      await redis.stop();
      return code;
    },
    consistency: () =>
      checkRedisConsistency({
        url: redis.url,
        keyPrefix: redis.keyPrefix,
        wholeServer: redis.spawned,
        maxLeaseTtlMs: LIMITS.maxLeaseTtlMs,
      }),
    errorLogs: () =>
      bin.child.lines.filter(
        (l) => /"level":(50|60)/.test(l) || l.includes("unexpected error in RPC handler"),
      ),
  };
}

/** (Two "authorization" values are not among them: Node's HTTP/2 client refuses to send that.) */
export type AuthVariant =
  | "right"
  | "none"
  | "wrong"
  | "other-scope"
  | "no-scheme"
  | "lowercase"
  | "huge"
  | "many-headers";

/** Mostly the right token; otherwise one of the ways a caller gets it wrong. */
export function authMetadata(rng: Rng, scope: Scope): { metadata: Metadata; variant: AuthVariant } {
  const variant: AuthVariant = rng.chance(0.85)
    ? "right"
    : rng.pick(["none", "wrong", "other-scope", "no-scheme", "lowercase", "huge", "many-headers"] as const);
  const m = new Metadata();
  const token = TOKENS[scope];
  switch (variant) {
    case "right":
      m.set("authorization", `Bearer ${token}`);
      break;
    case "none":
      break;
    case "wrong":
      m.set("authorization", `Bearer ${token}x`);
      break;
    case "other-scope":
      m.set("authorization", `Bearer ${TOKENS[scope === "admin" ? "registration" : "admin"]}`);
      break;
    case "no-scheme":
      m.set("authorization", token);
      break;
    case "lowercase":
      m.set("authorization", `bearer ${token}`);
      break;
    case "huge":
      m.set("authorization", `Bearer ${"t".repeat(rng.pick([300, 9000, 70_000]))}`);
      break;
    case "many-headers":
      // More header bytes than the server's HTTP/2 settings allow: refused before any handler.
      m.set("authorization", `Bearer ${token}`);
      for (let i = 0; i < 200; i++) m.set(`x-pad-${i}`, "v".repeat(100));
      break;
  }
  return { metadata: m, variant };
}

/** The right bearer token of a scope. */
export function bearer(scope: Scope): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${TOKENS[scope]}`);
  return m;
}

/** Whether a call with this auth variant may succeed ("too-big": refused for its header size). */
export type Acceptance = "yes" | "no" | "too-big";

export function authAccepted(variant: AuthVariant): Acceptance {
  if (variant === "right" || variant === "lowercase") return "yes";
  return variant === "many-headers" ? "too-big" : "no";
}
