/**
 * 4. Failover: three instances (three processes) under closed-loop load; part way through, one
 * fails, in one of two ways: its process is SIGKILLed (crash), or it stays up and answers every
 * call UNAVAILABLE (unavailable). Compared: the mesh, grpc-js round_robin, and grpc-js
 * round_robin with its own retryPolicy on UNAVAILABLE; rounds interleaved. Failed calls are
 * counted by the caller; the calls that still reached the failed instance are counted by the
 * instance itself, from its own record.
 */
import { AdminClient } from "@switchboard/control-plane/testing";
import { sleep, wallMs } from "../lib/clock.js";
import { startControlPlane } from "../lib/control-plane.js";
import { markdownTable, num, withSpread } from "../lib/format.js";
import type { ServedSummary } from "../lib/served-log.js";
import { rotate, type Spread, spread } from "../lib/stats.js";
import { stopAll } from "../lib/worker-process.js";
import type { FailoverResult } from "../workers/failover-run.js";
import { addressesOf, type EchoServerProcess, startEchoClient, startEchoServers } from "./echo-cluster.js";
import { FAILOVER_POLICY } from "./policies.js";
import { type Bench, type BenchContext, type BenchOutput, sized, type TargetCheck } from "./types.js";

const VARIANTS = ["mesh", "round_robin", "round_robin_retry"] as const;
type Variant = (typeof VARIANTS)[number];

const LABELS: Readonly<Record<Variant, string>> = {
  mesh: "Switchboard mesh:/// (peak_ewma, breaker, outlier ejection, retries)",
  round_robin: "grpc-js round_robin, 3 addresses",
  round_robin_retry: "grpc-js round_robin + retryPolicy (UNAVAILABLE), 3 addresses",
};

const FAULTS = ["crash", "unavailable"] as const;
type Fault = (typeof FAULTS)[number];

const FAULT_LABELS: Readonly<Record<Fault, string>> = {
  crash: "process SIGKILLed",
  unavailable: "answers UNAVAILABLE, connections up",
};

const SIZES = {
  tiny: { rounds: 1, concurrency: 4, beforeFaultMs: 200, afterFaultMs: 400, deadlineMs: 2000 },
  quick: { rounds: 2, concurrency: 32, beforeFaultMs: 1000, afterFaultMs: 2000, deadlineMs: 2000 },
  full: { rounds: 4, concurrency: 32, beforeFaultMs: 2000, afterFaultMs: 3000, deadlineMs: 2000 },
} as const;

/** Target: the worst round's time from the fault to the last call reaching the instance, ms. */
const LAST_CALL_TARGET_MS = 1000;

type Params = (typeof SIZES)[keyof typeof SIZES];

interface Sample {
  readonly fault: Fault;
  readonly variant: Variant;
  readonly calls: number;
  readonly failures: number;
  readonly failureCodes: Readonly<Record<string, number>>;
  readonly failureSamples: readonly string[];
  /** By the failed instance (unavailable only; a killed process receives nothing): calls it
   * received from the fault on, and the time from the fault to the last of them, ms (0: none). */
  readonly victimCalls: number | undefined;
  readonly lastVictimCallMs: number | undefined;
}

/** Fails the victim; resolves with the wall time the fault took effect. */
async function inject(fault: Fault, victim: EchoServerProcess, address: string): Promise<number> {
  if (fault === "unavailable") return (await victim.call<{ atMs: number }>("fail", { address })).atMs;
  const at = wallMs();
  victim.kill("SIGKILL");
  return at;
}

async function oneRun(
  ctx: BenchContext,
  controlPlane: string,
  admin: AdminClient,
  p: Params,
  fault: Fault,
  variant: Variant,
  round: number,
): Promise<Sample> {
  const service = `failover-${fault}-${round}-${variant}`;
  if (variant === "mesh") await admin.setPolicy(service, FAILOVER_POLICY);
  const servers = await startEchoServers(controlPlane, service, [[0], [0], [0]], 1000);
  const victim = servers[0] as EchoServerProcess;
  const victimAddress = victim.info.addresses[0] ?? "";
  const client = await startEchoClient({
    variant,
    addresses: addressesOf(servers),
    controlPlane,
    service,
    deadlineMs: p.deadlineMs,
  });
  try {
    const running = client.call<FailoverResult>("failover", {
      durationMs: p.beforeFaultMs + p.afterFaultMs,
      concurrency: p.concurrency,
    });
    await sleep(p.beforeFaultMs);
    const faultAt = await inject(fault, victim, victimAddress);
    const r = await running;
    const own =
      fault === "unavailable"
        ? (await victim.call<ServedSummary[]>("served", { sinceMs: faultAt }))[0]
        : undefined;
    ctx.log(`failover: ${fault} ${variant} round ${round + 1}: ${r.failures} failed of ${r.calls}`);
    for (const s of r.failureSamples) ctx.log(`failover:   ${s} (fault at +${p.beforeFaultMs} ms)`);
    return {
      fault,
      variant,
      calls: r.calls,
      failures: r.failures,
      failureCodes: r.failureCodes,
      failureSamples: r.failureSamples,
      victimCalls: own ? own.answered + own.refused : undefined,
      lastVictimCallMs: own ? Math.max(0, (own.lastCallAtMs ?? faultAt) - faultAt) : undefined,
    };
  } finally {
    await client.stop();
    await stopAll(servers);
  }
}

interface Summary {
  readonly fault: Fault;
  readonly variant: Variant;
  readonly calls: Spread;
  readonly failures: Spread;
  readonly victimCalls: Spread | undefined;
  readonly lastVictimCallMs: Spread | undefined;
}

function summarize(samples: readonly Sample[]): Summary[] {
  return FAULTS.flatMap((fault) =>
    VARIANTS.map((variant) => {
      const mine = samples.filter((s) => s.fault === fault && s.variant === variant);
      const own = (k: "victimCalls" | "lastVictimCallMs") => {
        const values = mine.map((s) => s[k]).filter((v): v is number => v !== undefined);
        return values.length === 0 ? undefined : spread(values);
      };
      return {
        fault,
        variant,
        calls: spread(mine.map((s) => s.calls)),
        failures: spread(mine.map((s) => s.failures)),
        victimCalls: own("victimCalls"),
        lastVictimCallMs: own("lastVictimCallMs"),
      };
    }),
  );
}

function render(summaries: readonly Summary[]): string {
  const header = [
    "fault",
    "client",
    "calls per run",
    "failed calls",
    "calls reaching the failed instance after the fault (its own count)",
    "fault → last call reaching it, ms (its own record)",
  ];
  const rows = summaries.map((s) => [
    FAULT_LABELS[s.fault],
    LABELS[s.variant],
    withSpread(s.calls),
    withSpread(s.failures),
    s.victimCalls ? withSpread(s.victimCalls) : "— (process gone)",
    s.lastVictimCallMs ? withSpread(s.lastVictimCallMs, 1) : "— (process gone)",
  ]);
  return markdownTable(header, rows);
}

/**
 * A run can only show that calls stopped reaching the instance if it goes on for longer than the
 * target after the fault; a shorter one (the tiny size) cannot meet the target.
 */
function targetChecks(summaries: readonly Summary[], p: Params): TargetCheck[] {
  const mesh = (fault: Fault) => summaries.find((s) => s.fault === fault && s.variant === "mesh") as Summary;
  const checks: TargetCheck[] = FAULTS.map((fault) => ({
    name: `mesh, ${FAULT_LABELS[fault]}: failed calls (worst round)`,
    target: "0",
    value: num(mesh(fault).failures.max),
    met: mesh(fault).failures.max === 0,
  }));
  const last = mesh("unavailable").lastVictimCallMs;
  const worst = last?.max ?? Number.NaN;
  checks.push({
    name: `mesh, ${FAULT_LABELS.unavailable}: time until no call reaches it (worst round, its own record)`,
    target: `≤ ${LAST_CALL_TARGET_MS} ms`,
    value: `${num(worst, 1)} ms of ${num(p.afterFaultMs)} ms run after the fault`,
    met: worst <= LAST_CALL_TARGET_MS && LAST_CALL_TARGET_MS < p.afterFaultMs,
  });
  return checks;
}

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const cp = await startControlPlane();
  const admin = new AdminClient(cp.address);
  const samples: Sample[] = [];
  try {
    for (let r = 0; r < p.rounds; r++) {
      for (const fault of rotate(FAULTS, r))
        for (const v of rotate(VARIANTS, r))
          samples.push(await oneRun(ctx, cp.address, admin, p, fault, v, r));
    }
  } finally {
    admin.close();
    await cp.stop();
  }
  const summaries = summarize(samples);
  return {
    table: render(summaries),
    targets: targetChecks(summaries, p),
    params: { ...p, instances: 3, serverProcesses: 3, policy: FAILOVER_POLICY },
    data: { samples, summaries },
  };
}

export const failoverBench: Bench = {
  name: "failover",
  title: "Failover (one instance of three fails)",
  run,
};
