/**
 * The Redis master of a Sentinel deployment (1 master, 2 replicas, 3 sentinels, quorum 2) killed
 * (SIGKILL) or frozen (SIGSTOP, thawed after the failover) under load, with two control-plane
 * replicas on the redis+sentinel:// URL. Sentinel promotes a replica; both control planes follow
 * it, their change feeds resume, every live instance is registered on the new master within one
 * lease TTL, and no subscriber sees a version go back.
 */
import { CallLoad } from "../harness/load.js";
import { RETRY_POLICY, runFor } from "../harness/mesh.js";
import { RawWatcher } from "../harness/raw-watcher.js";
import { pollUntil } from "../harness/registry.js";
import { atMost, expectation, type Mode, type Scenario, type ScenarioContext } from "../harness/scenario.js";
import { startSentinels } from "../harness/sentinel.js";
import { startUrlMesh } from "../harness/url-mesh.js";
import { versionHistory } from "../harness/versions.js";

export type MasterFault = "kill" | "freeze";

const settings = (mode: Mode) =>
  mode === "full"
    ? { leaseTtlMs: 10_000, warmupMs: 3000, afterMs: 15_000 }
    : { leaseTtlMs: 3000, warmupMs: 500, afterMs: 1000 };

/** Sentinel's promotion (down-after 1 s, an election, the promotion) takes a few seconds;
 * the bound leaves room for a loaded machine. */
const FAILOVER_BOUND_MS = 15_000;

export function sentinelFailover(fault: MasterFault): Scenario {
  return {
    id: `sentinel-master-${fault}`,
    title: `the Redis master ${fault === "kill" ? "SIGKILLed" : "frozen (SIGSTOP)"} under Sentinel`,
    timeLimitMs: (mode) => (mode === "full" ? 120_000 : 40_000),
    async run(ctx: ScenarioContext) {
      const s = settings(ctx.mode);
      const redis = await startSentinels(ctx);
      const m = await startUrlMesh(ctx, {
        redisUrls: [redis.url, redis.url],
        instances: 3,
        leaseTtlMs: s.leaseTtlMs,
        meshName: `faults-sentinel-${fault}`,
      });
      const startedAt = Date.now();
      const watcher = new RawWatcher({
        addresses: m.addresses,
        services: [m.service],
        clientId: "raw-watcher",
      });
      ctx.defer(() => watcher.close());
      await pollUntil(() => (watcher.state.get(m.service)?.endpoints.size ?? 0) === 3, 5000);
      const load = new CallLoad(m.client, { concurrency: 16, deadlineMs: 5000 });
      ctx.defer(() => load.stop());
      // Past the control planes' start-up pause of lease expiry, so the fault meets the steady state.
      await runFor(Math.max(s.warmupMs, startedAt + s.leaseTtlMs + 600 - Date.now()));
      const before = await m.registry.view(m.service);
      const master = await redis.master();
      const faultAt = Date.now();
      if (fault === "kill") {
        ctx.log(`SIGKILL the Redis master :${master.port} (pid ${master.child.pid})`);
        await master.child.kill();
      } else {
        ctx.log(`SIGSTOP the Redis master :${master.port} (pid ${master.child.pid})`);
        master.child.signal("SIGSTOP");
      }
      const promoted = await redis.promotedFrom(master.port, FAILOVER_BOUND_MS);
      ctx.log(`sentinels promoted :${promoted.node.port} after ${promoted.atMs - faultAt} ms`);
      if (fault === "freeze") master.child.signal("SIGCONT");
      // A change made after the promotion reaches the client: both feeds follow the new master.
      let version = 0;
      const setAt = await pollUntil(
        async () => {
          try {
            version = await m.registry.setPolicy(m.service, { ...RETRY_POLICY, timeoutMs: 4000 });
            return true;
          } catch {
            return false;
          }
        },
        FAILOVER_BOUND_MS,
        100,
      );
      const appliedAt = await pollUntil(
        () => (m.mesh.stats().services[m.service]?.version ?? 0) >= version,
        FAILOVER_BOUND_MS,
      );
      // One lease TTL after the promotion, every live instance holds a lease on the new master.
      await runFor(Math.max(s.afterMs, promoted.atMs + s.leaseTtlMs + 500 - Date.now()));
      await load.stop();
      const missing = await m.missing();
      // A thawed master finds itself demoted: Sentinel makes it a replica of the promoted one.
      const rejoined =
        fault === "kill" ||
        (await pollUntil(
          async () =>
            (await redis.replication(master).catch(() => "")).includes(`master_port:${promoted.node.port}`),
          10_000,
          100,
        )) !== undefined;
      const after = await m.registry.view(m.service);
      const history = versionHistory(watcher.events, m.service);
      const recoveryMs = appliedAt === undefined ? undefined : appliedAt - faultAt;
      return {
        calls: load.records.length,
        failedCalls: load.failures.length,
        failureSample: load.failureSample(),
        lostRegistrations: missing,
        recoveryMs,
        recoveryMeaning: "fault -> a policy change made after the promotion applied by the client",
        measured: {
          "lease TTL ms": s.leaseTtlMs,
          "promotion after ms": promoted.atMs - faultAt,
          "first write accepted after ms": setAt === undefined ? "never" : setAt - faultAt,
          epoch: after?.epoch === before?.epoch ? "kept" : "new (writes were lost)",
          "watcher epoch changes": history.epochChanges,
          "re-registrations": m.instances.reduce((n, i) => n + i.registrations.length - 1, 0),
        },
        expectations: [
          expectation("no failed call", load.failures.length === 0, `${load.failures.length} failed`),
          expectation(
            "every live instance registered on the new master",
            missing === 0,
            `${missing} missing`,
          ),
          expectation(
            "versions never go back (raw Watch subscriber)",
            history.backwards === 0,
            history.firstBackwards ?? `${history.epochChanges} epoch changes`,
          ),
          atMost("a change after the promotion reaches the client", recoveryMs, FAILOVER_BOUND_MS),
          expectation("no delta gap", watcher.gaps === 0, `${watcher.gaps} gaps`),
          expectation(
            "a thawed master rejoins as a replica of the promoted one",
            rejoined,
            fault === "kill" ? "not applicable (killed)" : rejoined ? "replica" : "still not a replica",
          ),
        ],
      };
    },
  };
}
