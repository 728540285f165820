/**
 * One of two control-plane replicas (sharing one Redis) SIGKILLed under load. Clients and
 * instances connected to it move to the other replica; clients resume from the versions they
 * hold, and no lease lapses meanwhile.
 */
import { CallLoad } from "../harness/load.js";
import { RETRY_POLICY, runFor, startMesh } from "../harness/mesh.js";
import { RawWatcher } from "../harness/raw-watcher.js";
import { pollUntil } from "../harness/registry.js";
import { atMost, expectation, type Mode, type Scenario, type ScenarioContext } from "../harness/scenario.js";

const settings = (mode: Mode) =>
  mode === "full"
    ? { leaseTtlMs: 10_000, warmupMs: 2000, watchMs: 15_000 }
    : { leaseTtlMs: 2000, warmupMs: 500, watchMs: 3000 };

export const replicaFailover: Scenario = {
  id: "replica-failover",
  title: "one of two control-plane replicas SIGKILLed under load",
  timeLimitMs: (mode) => (mode === "full" ? 90_000 : 40_000),
  async run(ctx: ScenarioContext) {
    const s = settings(ctx.mode);
    const m = await startMesh(ctx, {
      store: "redis",
      replicas: 2,
      instances: 3,
      leaseTtlMs: s.leaseTtlMs,
      meshName: "faults-replicas",
    });
    const [a, b] = m.planes;
    if (!a || !b) throw new Error("two replicas expected");
    const watcher = new RawWatcher({
      addresses: m.addresses,
      services: [m.service],
      clientId: "raw-watcher",
    });
    ctx.defer(() => watcher.close());
    await pollUntil(() => (watcher.state.get(m.service)?.endpoints.size ?? 0) === 3, 5000);
    if (m.mesh.stats().controlPlane !== a.address) throw new Error("the client did not start on replica a");
    const load = new CallLoad(m.client, { concurrency: 16, deadlineMs: 5000 });
    ctx.defer(() => load.stop());
    await runFor(s.warmupMs);
    await m.steady();
    const before = await m.registry.view(m.service);
    const killedAt = Date.now();
    ctx.log(`SIGKILL replica a (pid ${a.child.pid})`);
    await a.child.kill();
    const movedAt = await pollUntil(
      () => m.mesh.connected && m.mesh.stats().controlPlane === b.address,
      s.leaseTtlMs + 10_000,
    );
    // A change made after the kill reaches the client through replica b.
    const changedAt = Date.now();
    const version = await m.registry.setPolicy(m.service, { ...RETRY_POLICY, timeoutMs: 4000 });
    const appliedAt = await pollUntil(
      () => (m.mesh.stats().services[m.service]?.version ?? 0) >= version,
      10_000,
    );
    // Watch the registry for a lapse of any instance for a while (at least one lease TTL).
    const live = m.instances.map((i) => i.address);
    let lapses = 0;
    const watchUntil = killedAt + Math.max(s.watchMs, s.leaseTtlMs + 1000);
    while (Date.now() < watchUntil) {
      const view = await m.registry.view(m.service);
      if (view) lapses = Math.max(lapses, live.filter((x) => !view.endpoints.includes(x)).length);
      await runFor(100);
    }
    await load.stop();
    const after = await m.registry.view(m.service);
    const lost = Math.max(lapses, live.filter((x) => !after?.endpoints.includes(x)).length);
    const first = watcher.firstSince(killedAt);
    const recoveryMs = appliedAt === undefined ? undefined : appliedAt - killedAt;
    const reRegistrations = m.instances.reduce((n, i) => n + i.registrations.length - 1, 0);
    return {
      calls: load.records.length,
      failedCalls: load.failures.length,
      failureSample: load.failureSample(),
      lostRegistrations: lost,
      recoveryMs,
      recoveryMeaning: "kill -> the client, moved to replica b, applied a change made after the kill",
      measured: {
        "lease TTL ms": s.leaseTtlMs,
        "client on replica b after ms": movedAt === undefined ? "never" : movedAt - killedAt,
        "change after the kill applied in ms": appliedAt === undefined ? "never" : appliedAt - changedAt,
        "raw watcher's first response after the kill": `${first?.kind ?? "none"} (${first?.epoch === before?.epoch ? "same" : "new"} epoch)`,
        "re-registrations": reRegistrations,
        "delta gaps": watcher.gaps,
      },
      expectations: [
        expectation("no failed call", load.failures.length === 0, `${load.failures.length} failed`),
        expectation(
          "no lease lapsed, none lost",
          lost === 0 && reRegistrations === 0,
          `${lost} missing at worst, ${reRegistrations} re-registrations`,
        ),
        atMost("recovered within the lease TTL", recoveryMs, s.leaseTtlMs),
        expectation(
          "clients resume on replica b (a delta in the same epoch)",
          first?.kind === "delta" && first.epoch === before?.epoch,
          `first response ${first?.kind ?? "none"}`,
        ),
        expectation("no delta gap", watcher.gaps === 0, `${watcher.gaps} gaps`),
      ],
    };
  },
};
