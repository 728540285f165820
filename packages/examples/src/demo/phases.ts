import type { JsonObject } from "@bufbuild/protobuf";
import type { UserInstance, UserRole } from "./cluster.js";
import { breakerPolicy, RESILIENT_POLICY, ROUND_ROBIN_POLICY } from "./policies.js";
import { canaryRoutes } from "./routes.js";

/** What a phase may do to the running demo. */
export interface PhaseContext {
  /** The lease TTL of the user-service instances, ms. */
  readonly leaseTtlMs: number;
  /** The version of the user service's state once the phase's policy was set (0 without one). */
  readonly policyVersion: number;
  /** The version of the user service's state once the phase's route table was set (0 without one). */
  readonly routeVersion: number;
  /** The user-service instance with this role. */
  instance(role: UserRole): UserInstance;
  /** The instances still running. */
  alive(): readonly UserInstance[];
  /** SIGKILLs an instance (no drain, no deregistration) and waits until it has exited. */
  kill(instance: UserInstance): Promise<void>;
  /** Sends an instance a command on its stdin ("failure-rate 1"). */
  command(instance: UserInstance, line: string): void;
  /** The instance's share of the attempts in the last second, 0..1. */
  recentShare(instance: UserInstance): number;
  /** Says on screen what just happened. */
  announce(lines: readonly string[]): void;
  /** Sets the user service's route table through Admin.SetRoutes; resolves once the order service runs on it. */
  setRoutes(routes: JsonObject): Promise<number>;
  /** Starts the v2 user-service instances; resolves once the order service sees them serving. */
  startCanaries(): Promise<readonly UserInstance[]>;
}

/**
 * One step of the demo. As it begins, its policy (if any) is set through Admin.SetPolicy and
 * the demo waits until the order service runs on it; calls started before that count in the
 * previous phase. `enter` then runs once those calls have all ended, so a fault it injects is
 * charged to this phase only.
 */
export interface Phase {
  /** Stable id, used in the JSON summary ("round-robin", "peak-ewma", "kill", "breaker"). */
  readonly key: string;
  readonly title: string;
  readonly policy?: JsonObject;
  /** Set through Admin.SetRoutes as the phase begins, after its policy. */
  readonly routes?: JsonObject;
  /** Runs before the phase's policy and routes are set; its time counts in the previous phase. */
  prepare?(ctx: PhaseContext): Promise<void>;
  enter(ctx: PhaseContext): Promise<void>;
  /** Runs half-way through the phase, when present. */
  midway?(ctx: PhaseContext): Promise<void>;
}

const roundRobin: Phase = {
  key: "round-robin",
  title: "round_robin, no retries",
  policy: ROUND_ROBIN_POLICY,
  async enter(ctx) {
    ctx.announce([
      `Admin.SetPolicy(user-service) -> v${ctx.policyVersion}: round_robin, no retries, no breakers.`,
      "Each instance gets a third of the calls: the slow one drags P99 up, the flaky one's failures reach the callers.",
    ]);
  },
};

const peakEwma: Phase = {
  key: "peak-ewma",
  title: "peak_ewma + outlier detection + retries",
  policy: RESILIENT_POLICY,
  async enter(ctx) {
    ctx.announce([
      `Admin.SetPolicy(user-service) -> v${ctx.policyVersion}: peak_ewma, outlier detection (eject above 10% failures), 3 attempts on UNAVAILABLE.`,
      "Watch traffic leave the slow instance (latency-aware picks) and the flaky one (ejected); failed attempts are retried elsewhere.",
    ]);
  },
};

const kill: Phase = {
  key: "kill",
  title: "SIGKILL the busiest instance",
  async enter(ctx) {
    const victim = ctx.instance("healthy");
    const share = Math.round(ctx.recentShare(victim) * 100);
    await ctx.kill(victim);
    ctx.announce([
      `SIGKILL ${victim.name} (${victim.role}, pid ${victim.child.pid}), which carried ${share}% of the calls: no drain, no goodbye.`,
      "Calls in flight on it fail with UNAVAILABLE and are retried on another instance: the callers see no error.",
      `Its lease (${ctx.leaseTtlMs / 1000} s) runs out, and the control plane removes it from every client.`,
    ]);
  },
};

function breaker(openDurationMs: number): Phase {
  return {
    key: "breaker",
    title: "circuit breaker on GetUser",
    policy: breakerPolicy(openDurationMs),
    async enter(ctx) {
      for (const instance of ctx.alive()) ctx.command(instance, "failure-rate 1");
      ctx.announce([
        `Admin.SetPolicy(user-service) -> v${ctx.policyVersion}: a breaker on GetUser (opens after 5 failed calls in a row, open ${openDurationMs} ms).`,
        "Then every user-service instance starts failing GetUser: the breaker opens, and orders fail fast instead of waiting on a broken service.",
      ]);
    },
    async midway(ctx) {
      for (const instance of ctx.alive()) ctx.command(instance, `failure-rate ${instance.failureRate}`);
      ctx.announce([
        "GetUser recovered (each instance back to its own failure rate).",
        `Within ${openDurationMs} ms the open breaker lets a probe through; it succeeds and the breaker closes.`,
      ]);
    },
  };
}

/** v2's share of the calls without the canary header in each canary phase. */
export const CANARY_STEPS = [10, 50, 100] as const;

function canary(v2Percent: number, first: boolean): Phase {
  return {
    key: `canary-${v2Percent}`,
    title: `canary: ${v2Percent}% of calls on v2`,
    routes: canaryRoutes(v2Percent),
    ...(first
      ? {
          async prepare(ctx: PhaseContext) {
            // The table first (v2 weight 0), so the new instances get no call before they are meant to.
            const version = await ctx.setRoutes(canaryRoutes(0));
            ctx.announce([
              `Admin.SetRoutes(user-service) -> v${version}: every call to subset v1, calls with x-canary: 1 to v2.`,
            ]);
            const started = await ctx.startCanaries();
            ctx.announce([`started ${started.map((u) => u.name).join(", ")} (version v2)`]);
          },
        }
      : {}),
    async enter(ctx) {
      ctx.announce([
        `Admin.SetRoutes(user-service) -> v${ctx.routeVersion}: ${100 - v2Percent}% of calls to subset v1 (version=v1), ${v2Percent}% to v2.`,
        "Calls marked x-canary: 1 by the load generator go to v2 only: the order service carries the header on to its GetUser calls.",
      ]);
    },
  };
}

/** The demo's phases; the breaker's open duration scales with the phase length. */
export function demoPhases(phaseMs: number): Phase[] {
  const openDurationMs = Math.min(5000, Math.max(500, Math.round(phaseMs / 5 / 100) * 100));
  const canaries = CANARY_STEPS.map((percent, i) => canary(percent, i === 0));
  return [roundRobin, peakEwma, kill, breaker(openDurationMs), ...canaries];
}
