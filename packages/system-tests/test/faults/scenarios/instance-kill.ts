/**
 * An instance SIGKILLed under load: its calls in flight fail UNAVAILABLE and are retried on the
 * others; its lease runs out and the registry and every client drop it.
 */
import { CallLoad } from "../harness/load.js";
import { type Mesh, runFor, startMesh } from "../harness/mesh.js";
import { pollUntil } from "../harness/registry.js";
import { atMost, expectation, type Mode, type Scenario, type ScenarioContext } from "../harness/scenario.js";

const settings = (mode: Mode) =>
  mode === "full"
    ? { leaseTtlMs: 10_000, warmupMs: 2000, afterMs: 3000 }
    : { leaseTtlMs: 2000, warmupMs: 500, afterMs: 500 };

async function dropped(m: Mesh, address: string): Promise<boolean> {
  const view = await m.registry.view(m.service);
  return view !== undefined && !view.endpoints.includes(address) && !m.clientView().includes(address);
}

export const instanceKill: Scenario = {
  id: "instance-kill",
  title: "an instance SIGKILLed under load",
  timeLimitMs: (mode) => (mode === "full" ? 90_000 : 40_000),
  async run(ctx: ScenarioContext) {
    const s = settings(ctx.mode);
    const m = await startMesh(ctx, {
      store: "redis",
      replicas: 1,
      instances: 3,
      leaseTtlMs: s.leaseTtlMs,
      meshName: "faults-kill",
    });
    const load = new CallLoad(m.client, { concurrency: 16, deadlineMs: 5000 });
    ctx.defer(() => load.stop());
    await runFor(s.warmupMs);
    await m.steady();
    const [victim, ...survivors] = m.instances;
    if (!victim) throw new Error("no instance");
    const killedAt = Date.now();
    ctx.log(`SIGKILL ${victim.address} (pid ${victim.pid})`);
    await victim.child.kill();
    const droppedAt = await pollUntil(() => dropped(m, victim.address), s.leaseTtlMs + 5000);
    await runFor(s.afterMs);
    await load.stop();
    const live = survivors.map((i) => i.address);
    const view = await m.registry.view(m.service);
    const lost = live.filter((a) => !view?.endpoints.includes(a)).length;
    const recoveryMs = droppedAt === undefined ? undefined : droppedAt - killedAt;
    const bound = s.leaseTtlMs + 1000;
    return {
      calls: load.records.length,
      failedCalls: load.failures.length,
      failureSample: load.failureSample(),
      lostRegistrations: lost,
      recoveryMs,
      recoveryMeaning: "kill -> the registry and the client no longer list the instance",
      measured: {
        "lease TTL ms": s.leaseTtlMs,
        "calls cut mid-response": load.cutMidResponse.length,
        "p99 latency ms": load.percentile(99),
        "longest call ms": load.longest(killedAt - 5000),
      },
      expectations: [
        expectation(
          "no failed call (answers cut before their status completed by the SDK)",
          load.failures.length === 0,
          `${load.failures.length} failed (${load.cutMidResponse.length} of them cut mid-response)`,
        ),
        expectation("no lost registration", lost === 0, `${lost} of ${live.length} survivors missing`),
        atMost("dropped within the lease TTL (+ reaper sweep and push)", recoveryMs, bound),
        expectation("load ran", load.records.length > 200, `${load.records.length} calls`),
      ],
    };
  },
};
