/**
 * Redis restarted (down, then up empty: the test server persists nothing) or flushed under load.
 * The control plane reconnects, the instances find their leases gone and register again, clients
 * get the new epoch, and the registry converges back to the instances that are alive. Policies
 * live only in Redis: they are gone too, until an operator applies them again.
 */
import { checkRedisConsistency } from "../../../../control-plane/test/fuzz-support/redis-consistency.js";
import { CallLoad } from "../harness/load.js";
import { runFor, startMesh } from "../harness/mesh.js";
import { RawWatcher } from "../harness/raw-watcher.js";
import { pollUntil } from "../harness/registry.js";
import { atMost, expectation, type Mode, type Scenario, type ScenarioContext } from "../harness/scenario.js";

const settings = (mode: Mode) =>
  mode === "full"
    ? { leaseTtlMs: 10_000, warmupMs: 2000, afterMs: 2000 }
    : { leaseTtlMs: 3000, warmupMs: 500, afterMs: 500 };

export function redisLoss(kind: "restart" | "flush"): Scenario {
  return {
    id: `redis-${kind}`,
    title:
      kind === "restart"
        ? "Redis restarted (its data gone) under load"
        : "Redis flushed (FLUSHALL) under load",
    timeLimitMs: (mode) => (mode === "full" ? 90_000 : 40_000),
    async run(ctx: ScenarioContext) {
      const s = settings(ctx.mode);
      const m = await startMesh(ctx, {
        store: "redis",
        replicas: 1,
        instances: 3,
        leaseTtlMs: s.leaseTtlMs,
        meshName: `faults-redis-${kind}`,
      });
      const redis = m.redis;
      if (!redis?.spawned) throw new Error("needs a redis-server the harness can restart (unset REDIS_URL)");
      const watcher = new RawWatcher({
        addresses: m.addresses,
        services: [m.service],
        clientId: "raw-watcher",
      });
      ctx.defer(() => watcher.close());
      await pollUntil(() => (watcher.state.get(m.service)?.endpoints.size ?? 0) === 3, 5000);
      const load = new CallLoad(m.client, { concurrency: 16, deadlineMs: 5000 });
      ctx.defer(() => load.stop());
      await runFor(s.warmupMs);
      await m.steady();
      const before = await m.registry.view(m.service);
      const faultAt = Date.now();
      ctx.log(kind === "restart" ? "restarting redis-server" : "FLUSHALL");
      if (kind === "restart") await redis.restart();
      else await redis.flushAll();
      const faultEndedAt = Date.now();
      const live = m.instances.map((i) => i.address);
      let heldStale = false;
      const recoveredAt = await pollUntil(async () => {
        heldStale ||= m.mesh.stats().services[m.service]?.stale === true;
        if (!(await m.converged(live))) return false;
        const view = await m.registry.view(m.service);
        return view !== undefined && view.epoch !== before?.epoch;
      }, s.leaseTtlMs + 15_000);
      await runFor(s.afterMs);
      await load.stop();
      const after = await m.registry.view(m.service);
      const lost = live.filter((x) => !after?.endpoints.includes(x)).length;
      const consistency = await checkRedisConsistency({ url: redis.url, keyPrefix: redis.keyPrefix });
      const first = watcher.firstSince(faultAt);
      const recoveryMs = recoveredAt === undefined ? undefined : recoveredAt - faultAt;
      const reRegistrations = m.instances.reduce((n, i) => n + i.registrations.length - 1, 0);
      return {
        calls: load.records.length,
        failedCalls: load.failures.length,
        failureSample: load.failureSample(),
        lostRegistrations: lost,
        recoveryMs,
        recoveryMeaning:
          "fault -> registry (new epoch) and client list every live instance again, all serving",
        measured: {
          "lease TTL ms": s.leaseTtlMs,
          "fault took ms": faultEndedAt - faultAt,
          "re-registrations": reRegistrations,
          "raw watcher's first response after the fault": `${first?.kind ?? "none"} (${first?.epoch === before?.epoch ? "same" : "new"} epoch)`,
          "policy after the fault": after?.hasPolicy ? "kept" : "gone (not persisted)",
          "client kept its endpoints through an empty update": heldStale ? "yes" : "no",
          "Redis keys checked": consistency.keys,
        },
        expectations: [
          expectation("no failed call", load.failures.length === 0, `${load.failures.length} failed`),
          expectation("no lost registration", lost === 0, `${lost} of ${live.length} missing at the end`),
          atMost("registry converged within the lease TTL", recoveryMs, s.leaseTtlMs),
          expectation(
            "clients moved to the new epoch with a snapshot",
            watcher.events.some(
              (e) => e.atMs >= faultAt && e.kind === "snapshot" && e.epoch !== before?.epoch,
            ),
            `first response after the fault: ${first?.kind ?? "none"}`,
          ),
          expectation(
            "Redis state consistent afterwards",
            consistency.problems.length === 0,
            consistency.problems.slice(0, 3).join("; ") || `${consistency.keys} keys, no problem`,
          ),
        ],
      };
    },
  };
}
