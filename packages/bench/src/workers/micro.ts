/**
 * Micro-benchmarks of the SDK's per-call state machines, timed in a process of their own:
 * a pick for each balancer (10 endpoints), a breaker admission + outcome, a token-bucket take,
 * the retry budget, the endpoint load bookkeeping of one call, a routed pick (the route
 * table's per-call decision, then the pick in the chosen subset's balancer), recording a call's
 * metrics (prom-client children, as the client once did, against the SDK's own counters), and the
 * OpenTelemetry hooks of a call when no provider exists.
 */
import { Metadata } from "@grpc/grpc-js";
import { validateRouteTable } from "@switchboard/core";
import { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import {
  type DeepPartial,
  LoadBalancing_Algorithm,
  Policy,
} from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import {
  type LbAlgorithmName,
  type ResolvedPolicy,
  type ServiceStats,
  validatePolicy,
} from "@switchboard/sdk";
import {
  buildClientReport,
  CircuitBreaker,
  createBalancer,
  createClientTelemetry,
  createRouter,
  EndpointLoad,
  MethodCounters,
  monotonicClock,
  type Pickable,
  RetryBudget,
  TokenBucket,
} from "@switchboard/sdk/internals";
import { Counter, Histogram, Registry } from "prom-client";
import { rotate } from "../lib/stats.js";
import type { Role } from "./role.js";

function resolved(policy: DeepPartial<Policy>): ResolvedPolicy {
  const r = validatePolicy(Policy.fromPartial(policy));
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.message}`);
  return r.value;
}

const ALGORITHMS: Readonly<Record<LbAlgorithmName, LoadBalancing_Algorithm>> = {
  round_robin: LoadBalancing_Algorithm.ALGORITHM_ROUND_ROBIN,
  random: LoadBalancing_Algorithm.ALGORITHM_RANDOM,
  weighted_round_robin: LoadBalancing_Algorithm.ALGORITHM_WEIGHTED_ROUND_ROBIN,
  least_request: LoadBalancing_Algorithm.ALGORITHM_LEAST_REQUEST,
  peak_ewma: LoadBalancing_Algorithm.ALGORITHM_PEAK_EWMA,
  ring_hash: LoadBalancing_Algorithm.ALGORITHM_RING_HASH,
};

/** One operation: returns a number so the work cannot be optimised away. */
type Op = () => number;

function endpoints(): Pickable[] {
  return Array.from({ length: 10 }, (_, i) => {
    const load = new EndpointLoad(monotonicClock, 10_000);
    // Realistic figures: a latency sample each, a few calls in flight.
    for (let k = 0; k <= i % 3; k++) load.onCallStarted();
    load.onCallEnded(1 + i / 10);
    return { key: `10.0.0.${i}:7000`, weight: 1 + (i % 4), load };
  });
}

function pickOps(): Record<string, Op> {
  const ops: Record<string, Op> = {};
  const keys = Array.from({ length: 256 }, (_, i) => `user-${i}`);
  for (const [name, algorithm] of Object.entries(ALGORITHMS)) {
    const lb = resolved({
      loadBalancing: { algorithm, hashHeader: algorithm === ALGORITHMS.ring_hash ? "x-user" : "" },
    });
    const picker = createBalancer(endpoints(), lb.loadBalancing, {
      random: Math.random,
      clock: monotonicClock,
    });
    let i = 0;
    ops[`pick: ${name}`] =
      name === "ring_hash"
        ? () => picker.pick({ hashKey: keys[i++ & 255] })?.weight ?? 0
        : () => picker.pick({})?.weight ?? 0;
  }
  return ops;
}

const subset = (weight: number, name: string) => ({
  weight,
  target: { $case: "subset" as const, subset: name },
});

/**
 * A pick through a route table, as the config selector and the picker make it: the decision
 * (header match, split), then round robin in the chosen subset (5 of the 10 endpoints each).
 * Compare with "pick: round_robin", the pick of a service without a table.
 */
function routeOps(): Record<string, Op> {
  const checked = validateRouteTable(
    RouteTable.fromPartial({
      subsets: [
        { name: "v1", selector: { version: "v1" } },
        { name: "v2", selector: { version: "v2" } },
      ],
      rules: [
        {
          name: "canary",
          match: {
            method: "users.v1.Users",
            headers: [{ name: "x-canary", kind: { $case: "exact", exact: "1" } }],
          },
          destinations: [subset(100, "v2")],
        },
        { name: "sticky", hashHeader: "x-user", destinations: [subset(90, "v1"), subset(10, "v2")] },
      ],
    }),
  );
  if (!checked.ok) throw new Error(`${checked.error.field}: ${checked.error.message}`);
  const router = createRouter("users", checked.value);
  const lb = resolved({}).loadBalancing;
  const deps = { random: Math.random, clock: monotonicClock };
  const all = endpoints();
  const pickers = new Map([
    ["v1", createBalancer(all.slice(0, 5), lb, deps)],
    ["v2", createBalancer(all.slice(5), lb, deps)],
  ]);
  const whole = createBalancer(all, lb, deps);
  const path = "/users.v1.Users/Get";
  const canary = new Metadata();
  canary.set("x-canary", "1");
  const users = Array.from({ length: 256 }, (_, i) => {
    const m = new Metadata();
    m.set("x-user", `user-${i}`);
    return m;
  });
  const none = new Metadata();
  let i = 0;
  const routedPick = (metadata: Metadata) => {
    const d = router.decide(path, metadata);
    const picker = d ? (pickers.get(d.label) ?? whole) : whole;
    return picker.pick({})?.weight ?? 0;
  };
  return {
    "routed pick: header rule -> subset": () => routedPick(canary),
    "routed pick: sticky 90/10 split": () => routedPick(users[i++ & 255] as Metadata),
    "routed pick: random 90/10 split": () => routedPick(none),
  };
}

function stateOps(): Record<string, Op> {
  const policy = resolved({
    circuitBreaker: {},
    retry: {},
    rateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000 },
  });
  const breakerConfig = policy.circuitBreaker;
  const rateLimit = policy.rateLimit;
  const budgetConfig = policy.retry?.budget;
  if (!breakerConfig || !rateLimit || !budgetConfig) throw new Error("policy defaults missing");
  const breaker = new CircuitBreaker(breakerConfig, monotonicClock);
  const bucket = new TokenBucket(rateLimit, monotonicClock);
  const budget = new RetryBudget(budgetConfig, monotonicClock);
  const load = new EndpointLoad(monotonicClock, 10_000);
  let n = 0;
  return {
    "breaker: record outcome": () => {
      breaker.recordOutcome(0, 1.5);
      return 1;
    },
    "breaker: admit + record": () => {
      const ok = breaker.tryAcquire();
      breaker.recordOutcome(0, 1.5);
      return ok ? 1 : 0;
    },
    "rate limiter: take": () => (bucket.tryTake() ? 1 : 0),
    "retry budget: record request": () => {
      budget.recordRequest();
      return 1;
    },
    "retry budget: try retry": () => (budget.tryRetry() ? 1 : 0),
    "endpoint load: call start + end": () => {
      load.onCallStarted();
      load.onCallEnded(1 + (n++ & 7) / 8);
      return load.inFlight;
    },
  };
}

/** Recording one call's final code and latency: the per-call metrics work. */
function recordOps(): Record<string, Op> {
  const registry = new Registry();
  const requests = new Counter({
    name: "requests_total",
    help: "h",
    labelNames: ["service", "method", "code"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "request_duration_seconds",
    help: "h",
    labelNames: ["service", "method"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // What the client did per call before: children looked up once, then inc/observe per call.
  const okChild = requests.labels("echo", "echo.v1.EchoService/Echo", "OK");
  const latencyChild = latency.labels("echo", "echo.v1.EchoService/Echo");
  const counters = new MethodCounters("echo", "echo.v1.EchoService/Echo");
  const telemetry = createClientTelemetry({});
  let n = 0;
  return {
    "record a call: prom-client labels().inc/observe (before)": () => {
      okChild.inc();
      latencyChild.observe((1 + (n++ & 7)) / 1000);
      return 1;
    },
    "record a call: SDK counters (after)": () => {
      counters.record(0, 1 + (n++ & 7), 0);
      return 1;
    },
    "OpenTelemetry hooks of a call, no provider": () => {
      // The call's hooks when no provider exists: start (admission), attempt (picker), end (filter).
      const call = telemetry?.startCall("/echo.v1.EchoService/Echo", "mesh:///echo");
      if (call) call.end(0);
      return call ? 0 : 1;
    },
  };
}

/** A service's stats() entry as a busy client sees it: 32 endpoints, 8 methods, some errors. */
function busyServiceStats(calls: number): ServiceStats {
  const snapshot = (requests: number) => ({
    requests,
    successes: requests - (requests >> 5),
    errorsByCode: { UNAVAILABLE: requests >> 5 },
    successRate: 0.97,
    latencyMs: { p50: 2, p95: 8, p99: 12 },
    retries: requests >> 6,
  });
  const endpoints = Array.from({ length: 32 }, (_, i) => ({
    id: `10.0.0.${i}:8080`,
    zone: "z1",
    weight: 1,
    health: "SERVING" as const,
    ejected: i === 3,
    connectivity: "READY" as const,
    pickable: i !== 3,
    inFlight: 1,
    latencyEwmaMs: 2,
    attempts: snapshot(calls),
  }));
  const methods = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [
      `echo.v1.EchoService/Method${i}`,
      { ...snapshot(calls), breakerState: "closed" as const, rateLimited: 0 },
    ]),
  );
  return {
    version: 7,
    stale: false,
    loadBalancing: "round_robin",
    breakers: {},
    retryBudgetAvailable: 10,
    endpoints,
    methods,
    routeVersion: 0,
    routes: {},
  };
}

function reportOps(): Record<string, Op> {
  let n = 0;
  return {
    "client report: build and encode, 32 endpoints and 8 methods (per report)": () => {
      n += 100;
      const { report } = buildClientReport({
        service: "echo",
        stats: busyServiceStats(n),
        routeVersion: 0,
        intervalMs: 5000,
        nowMs: n,
        previous: undefined,
      });
      return ClientReport.encode(report).finish().length;
    },
  };
}

function timeOp(op: Op, iterations: number): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += op();
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink === -1) process.stdout.write(""); // keeps `sink` alive
  return ns / iterations;
}

export async function microRole(): Promise<Role> {
  const ops = { ...pickOps(), ...routeOps(), ...stateOps(), ...recordOps(), ...reportOps() };
  return {
    info: { pid: process.pid, operations: Object.keys(ops) },
    commands: {
      async run(a) {
        const { iterations, rounds } = a as { iterations: number; rounds: number };
        const names = Object.keys(ops);
        // A per-report operation costs about a thousand per-call ones: it runs a thousandth as often.
        const count = (name: string) =>
          name.endsWith("(per report)") ? Math.max(10, Math.ceil(iterations / 1000)) : iterations;
        for (const name of names) timeOp(ops[name] as Op, Math.ceil(count(name) / 4)); // warm-up
        const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
        for (let r = 0; r < rounds; r++) {
          for (const name of rotate(names, r)) out[name]?.push(timeOp(ops[name] as Op, count(name)));
        }
        return out;
      },
    },
    async close() {},
  };
}
