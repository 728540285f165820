/**
 * Writes the v1 golden wire fixtures: messages as this release encodes them, which the tests of
 * every later v1 release decode (packages/core/test/wire-fixtures.test.ts). Each fixture is
 * `<name>.binpb` (the encoded message) and `<name>.json` (its generated `toJSON`).
 *
 *   node --conditions=source --import tsx scripts/make-wire-fixtures.ts
 *
 * Run once, for v1.0. The fixtures are never regenerated within v1: a later release that cannot
 * decode them has broken the contract. The script refuses to overwrite existing fixtures.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Hello,
  WatchRequest,
  WatchResponse,
} from "../packages/core/src/gen/switchboard/v1/discovery.js";
import {
  LoadBalancing_Algorithm,
  type MethodPolicy,
  Policy,
  type RetryPolicy,
} from "../packages/core/src/gen/switchboard/v1/policy.js";
import {
  KeepAliveRequest,
  KeepAliveResponse,
  KeepAliveResponse_LeaseState,
  RegisterRequest,
} from "../packages/core/src/gen/switchboard/v1/registration.js";
import { type Endpoint, HealthStatus, RemovalReason } from "../packages/core/src/gen/switchboard/v1/types.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "packages/core/test/fixtures/wire/v1");

/** Every field present, all the way down: the compiler checks that the full policy sets them all. */
type Full<T> = T extends readonly (infer E)[]
  ? Full<E>[]
  : T extends object
    ? { [K in keyof T]-?: Full<NonNullable<T[K]>> }
    : T;

const breakerFull = (seed: number): Full<NonNullable<Policy["circuitBreaker"]>> => ({
  consecutiveFailures: 7 + seed,
  failureRatePercent: 40 + seed,
  windowMs: 20_000 + seed,
  minimumCalls: 30 + seed,
  slowCallMs: 1_500 + seed,
  slowCallRatePercent: 80 + seed,
  openDurationMs: 15_000 + seed,
  halfOpenMaxRequests: 3 + seed,
  successThreshold: 2 + seed,
  failureCodes: ["UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"],
});

/** A retry policy with every field but `budget`, which is per service (never per method). */
type MethodRetry = Full<Omit<RetryPolicy, "budget">>;
/** A method override with every field set. */
type MethodFull = Full<Omit<MethodPolicy, "retry">> & { readonly retry: MethodRetry };
type PolicyFull = Full<Omit<Policy, "methods">> & { readonly methods: Record<string, MethodFull> };

const methodRetry: MethodRetry = {
  maxAttempts: 4,
  retryableCodes: ["UNAVAILABLE", "ABORTED"],
  initialBackoffMs: 40,
  maxBackoffMs: 800,
  backoffMultiplier: 1.5,
  perTryTimeoutMs: 900,
};

/** Every field of Policy and of each sub-message set, with values inside their valid ranges. */
const policyFull: PolicyFull = {
  loadBalancing: {
    algorithm: LoadBalancing_Algorithm.ALGORITHM_RING_HASH,
    choiceCount: 3,
    ewmaDecayMs: 5_000,
    hashHeader: "x-user-id",
    ringSize: 2_048,
    zonePreference: { minHealthyPercent: 70 },
  },
  circuitBreaker: breakerFull(0),
  outlierDetection: { breaker: breakerFull(1), maxEjectionPercent: 30 },
  retry: { ...methodRetry, budget: { ratio: 0.25, minRetriesPerSecond: 12, windowMs: 30_000 } },
  timeoutMs: 2_500,
  rateLimit: { requestsPerSecond: 250.5, burst: 300 },
  methods: {
    "users.v1.UserService/GetUser": {
      circuitBreaker: breakerFull(2),
      retry: { ...methodRetry, maxAttempts: 2 },
      timeoutMs: 700,
      rateLimit: { requestsPerSecond: 50, burst: 60 },
    },
    "users.v1.UserService": {
      circuitBreaker: breakerFull(3),
      retry: { ...methodRetry, perTryTimeoutMs: 300 },
      timeoutMs: 1_200,
      rateLimit: { requestsPerSecond: 100, burst: 100 },
    },
  },
};

function endpoint(host: string, port: number, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    id: `${host}:${port}`,
    host,
    port,
    zone: "",
    weight: 1,
    metadata: {},
    health: HealthStatus.HEALTH_STATUS_SERVING,
    adminDrained: false,
    ...extra,
  };
}

const snapshotEndpoints: Endpoint[] = [
  endpoint("10.0.1.11", 7001, {
    zone: "eu-west-1a",
    weight: 100,
    metadata: { version: "1.4.2", canary: "false" },
  }),
  endpoint("10.0.1.12", 7001, {
    zone: "eu-west-1b",
    weight: 250,
    metadata: { version: "1.5.0", canary: "true" },
    health: HealthStatus.HEALTH_STATUS_NOT_SERVING,
  }),
  endpoint("10.0.2.13", 7002, {
    zone: "eu-west-1a",
    weight: 1000,
    metadata: { version: "1.4.2" },
    health: HealthStatus.HEALTH_STATUS_DRAINING,
    adminDrained: true,
  }),
  endpoint("users-4.internal", 7003, { zone: "eu-west-1c", weight: 1 }),
];

const hello: Hello = {
  clientId: "checkout-7f9c-41",
  zone: "eu-west-1a",
  sdkVersion: "1.0.0",
  epoch: "01J8ZK3V6Q2W8D5T7N4Y1B0C9E",
  knownVersions: { "user-service": 42, "order-service": 7, "payment-service": 9_007_199_254_740_991 },
};

interface Fixture {
  readonly bytes: Uint8Array;
  readonly json: unknown;
}

function fixture<T>(codec: { encode(m: T): { finish(): Uint8Array }; toJSON(m: T): unknown }, m: T): Fixture {
  return { bytes: codec.encode(m).finish(), json: codec.toJSON(m) };
}

const FIXTURES: Record<string, Fixture> = {
  "watch-response-snapshot": fixture(WatchResponse, {
    nonce: "n-17",
    epoch: "01J8ZK3V6Q2W8D5T7N4Y1B0C9E",
    kind: {
      $case: "snapshot",
      snapshot: {
        service: "user-service",
        version: 42,
        endpoints: snapshotEndpoints,
        policy: {
          loadBalancing: {
            algorithm: LoadBalancing_Algorithm.ALGORITHM_LEAST_REQUEST,
            choiceCount: 2,
            hashHeader: "",
          },
          timeoutMs: 1_000,
          retry: { maxAttempts: 3, retryableCodes: ["UNAVAILABLE"] },
          methods: {},
        },
        emptiedByAdmin: false,
      },
    },
  }),
  "watch-response-delta": fixture(WatchResponse, {
    nonce: "n-18",
    epoch: "01J8ZK3V6Q2W8D5T7N4Y1B0C9E",
    kind: {
      $case: "delta",
      delta: {
        service: "user-service",
        fromVersion: 42,
        version: 45,
        upserted: [
          endpoint("10.0.1.12", 7001, {
            zone: "eu-west-1b",
            weight: 250,
            metadata: { version: "1.5.0", canary: "true" },
          }),
          endpoint("10.0.3.14", 7004, { zone: "eu-west-1c", weight: 10, metadata: { version: "1.5.0" } }),
        ],
        removed: [
          { id: "10.0.1.11:7001", reason: RemovalReason.REMOVAL_REASON_DEREGISTERED },
          { id: "10.0.2.13:7002", reason: RemovalReason.REMOVAL_REASON_ADMIN_REMOVED },
          { id: "users-4.internal:7003", reason: RemovalReason.REMOVAL_REASON_EXPIRED },
        ],
        policyUpdate: {
          policy: {
            loadBalancing: {
              algorithm: LoadBalancing_Algorithm.ALGORITHM_PEAK_EWMA,
              ewmaDecayMs: 8_000,
              hashHeader: "",
            },
            circuitBreaker: { consecutiveFailures: 10, failureCodes: [] },
            methods: {},
          },
        },
      },
    },
  }),
  "policy-full": fixture(Policy, policyFull),
  "register-request": fixture(RegisterRequest, {
    service: "user-service",
    host: "10.0.1.11",
    port: 7001,
    zone: "eu-west-1a",
    weight: 100,
    metadata: { version: "1.4.2", canary: "false", team: "identity" },
    health: HealthStatus.HEALTH_STATUS_NOT_SERVING,
    ttlMs: 15_000,
    requestId: "reg-7f9c-0001",
    replacesLeaseId: "lease-3b1e0c",
  }),
  "keep-alive-request": fixture(KeepAliveRequest, {
    leaseId: "lease-3b1e0c",
    health: HealthStatus.HEALTH_STATUS_DRAINING,
  }),
  "keep-alive-response": fixture(KeepAliveResponse, {
    leaseId: "lease-3b1e0c",
    state: KeepAliveResponse_LeaseState.LEASE_STATE_ACTIVE,
    ttlMs: 15_000,
    version: 46,
  }),
  "watch-request-hello": fixture(WatchRequest, { kind: { $case: "hello", hello } }),
};

mkdirSync(OUT, { recursive: true });
for (const name of Object.keys(FIXTURES)) {
  if (existsSync(join(OUT, `${name}.binpb`))) {
    throw new Error(`${name}.binpb exists: the v1 fixtures are never regenerated (see ${OUT}/README.md)`);
  }
}
for (const [name, { bytes, json }] of Object.entries(FIXTURES)) {
  writeFileSync(join(OUT, `${name}.binpb`), bytes);
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${name}.binpb (${bytes.length} bytes) and ${name}.json`);
}
// The JSON files in the repository's JSON style.
execFileSync(join(ROOT, "node_modules/.bin/biome"), ["format", "--write", OUT], { stdio: "inherit" });
