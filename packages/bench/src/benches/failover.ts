/**
 * 4. Failover: three instances (three processes) under closed-loop load, one SIGKILLed
 * mid-run; failed calls seen by the caller and how long calls still went to the dead
 * instance, through the mesh and through plain grpc-js round_robin, rounds interleaved.
 */
import { AdminClient } from "@switchboard/control-plane/testing";
import { sleep, wallMs } from "../lib/clock.js";
import { startControlPlane } from "../lib/control-plane.js";
import { markdownTable, num, withSpread } from "../lib/format.js";
import { rotate, type Spread, spread } from "../lib/stats.js";
import { stopAll } from "../lib/worker-process.js";
import type { FailoverResult } from "../workers/failover-run.js";
import { addressesOf, startEchoClient, startEchoServers } from "./echo-cluster.js";
import { DATA_PATH_POLICY } from "./policies.js";
import { type Bench, type BenchContext, type BenchOutput, sized } from "./types.js";

type Variant = "mesh" | "round_robin";

const LABELS: Readonly<Record<Variant, string>> = {
  mesh: "Switchboard mesh:/// (peak_ewma, breaker, retries)",
  round_robin: "grpc-js round_robin, 3 addresses",
};

const SIZES = {
  tiny: { rounds: 1, concurrency: 8, beforeKillMs: 300, afterKillMs: 500, deadlineMs: 2000 },
  quick: { rounds: 2, concurrency: 32, beforeKillMs: 1000, afterKillMs: 2000, deadlineMs: 2000 },
  full: { rounds: 4, concurrency: 32, beforeKillMs: 2000, afterKillMs: 3000, deadlineMs: 2000 },
} as const;

type Params = (typeof SIZES)[keyof typeof SIZES];

interface Sample {
  readonly variant: Variant;
  readonly calls: number;
  readonly failures: number;
  readonly failureCodes: Readonly<Record<string, number>>;
  readonly failureSamples: readonly string[];
  /** From the kill to the last use of the dead instance, ms (0: none after the kill). */
  readonly lastUseMs: number;
}

/**
 * From the kill to the last use of the dead instance. The mesh counts attempts per endpoint,
 * so its figure is the last attempt on the victim; a call its breaker refused locally went
 * nowhere and counts as a failed call only. round_robin has no such count: every call it sent
 * to the dead instance failed (no retries), so its figure is the last failed call's start (or
 * the victim's last answer).
 */
function lastUse(r: FailoverResult, variant: Variant, killedAt: number): number {
  const times =
    variant === "mesh"
      ? [r.lastVictimAttemptMs, r.lastVictimAnswerMs]
      : [r.lastFailureStartMs, r.lastVictimAnswerMs];
  const after = times.filter((t): t is number => t !== undefined).map((t) => t - killedAt);
  return Math.max(0, ...after);
}

async function oneRun(
  ctx: BenchContext,
  address: string,
  admin: AdminClient,
  p: Params,
  variant: Variant,
  round: number,
): Promise<Sample> {
  const service = `failover-${round}-${variant}`;
  if (variant === "mesh") await admin.setPolicy(service, DATA_PATH_POLICY);
  const servers = await startEchoServers(address, service, [[0], [0], [0]], 1000);
  const victim = servers[0];
  const client = await startEchoClient({
    variant,
    addresses: addressesOf(servers),
    controlPlane: address,
    service,
    deadlineMs: p.deadlineMs,
  });
  try {
    const victimAddress = victim?.info.addresses[0] ?? "";
    const running = client.call<FailoverResult>("failover", {
      durationMs: p.beforeKillMs + p.afterKillMs,
      concurrency: p.concurrency,
      victim: victimAddress,
    });
    await sleep(p.beforeKillMs);
    const killedAt = wallMs();
    victim?.kill("SIGKILL");
    const r = await running;
    ctx.log(`failover: ${variant} round ${round + 1}: ${r.failures} failed of ${r.calls}`);
    for (const sample of r.failureSamples) ctx.log(`failover:   ${sample} (killed at +${p.beforeKillMs} ms)`);
    return {
      variant,
      calls: r.calls,
      failures: r.failures,
      failureCodes: r.failureCodes,
      failureSamples: r.failureSamples,
      lastUseMs: lastUse(r, variant, killedAt),
    };
  } finally {
    await client.stop();
    await stopAll(servers);
  }
}

interface Summary {
  readonly variant: Variant;
  readonly failures: Spread;
  readonly lastUseMs: Spread;
  readonly calls: Spread;
}

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const p: Params = sized(ctx.level, SIZES);
  const cp = await startControlPlane();
  const admin = new AdminClient(cp.address);
  const samples: Sample[] = [];
  try {
    for (let r = 0; r < p.rounds; r++) {
      for (const v of rotate<Variant>(["mesh", "round_robin"], r))
        samples.push(await oneRun(ctx, cp.address, admin, p, v, r));
    }
  } finally {
    admin.close();
    await cp.stop();
  }
  const summaries: Summary[] = (["mesh", "round_robin"] as const).map((variant) => {
    const mine = samples.filter((s) => s.variant === variant);
    return {
      variant,
      failures: spread(mine.map((s) => s.failures)),
      lastUseMs: spread(mine.map((s) => s.lastUseMs)),
      calls: spread(mine.map((s) => s.calls)),
    };
  });
  const header = ["client", "calls per run", "failed calls", "kill → last call to the dead instance, ms"];
  const rows = summaries.map((s) => [
    LABELS[s.variant],
    withSpread(s.calls),
    withSpread(s.failures),
    withSpread(s.lastUseMs, 1),
  ]);
  const mesh = summaries[0] as Summary;
  const meshFailures = mesh.failures.max;
  return {
    table: markdownTable(header, rows),
    targets: [
      {
        name: "mesh: failed calls (worst round)",
        target: "0",
        value: num(meshFailures),
        met: meshFailures === 0,
      },
      {
        name: "mesh: time until no call goes to the dead instance (worst round)",
        target: "≤ 1000 ms",
        value: `${num(mesh.lastUseMs.max, 1)} ms`,
        met: mesh.lastUseMs.max <= 1000,
      },
    ],
    params: { ...p, instances: 3, serverProcesses: 3, policy: DATA_PATH_POLICY },
    data: { samples, summaries },
  };
}

export const failoverBench: Bench = { name: "failover", title: "Failover (SIGKILL one of three)", run };
