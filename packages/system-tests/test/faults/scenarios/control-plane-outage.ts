/**
 * The only control plane stopped (SIGTERM) under load, then started again on the same port.
 * The data path does not need it: clients keep routing on what they know. With Redis the state
 * survives and clients resume from the versions they hold (a delta in the same epoch); with the
 * memory store nothing survives: instances register again and clients get snapshots in a new
 * epoch.
 */
import { CallLoad } from "../harness/load.js";
import { RETRY_POLICY, runFor, startMesh } from "../harness/mesh.js";
import { RawWatcher } from "../harness/raw-watcher.js";
import { pollUntil } from "../harness/registry.js";
import { atMost, expectation, type Mode, type Scenario, type ScenarioContext } from "../harness/scenario.js";

/**
 * The outage outlasts the lease TTL, so leases run out while no control plane runs. The TTL is
 * above the SDK's reconnect cap (5 s), as the default (10 s) is; the longest TTL (how long expiry
 * waits after a Redis-backed start) well above the instances' reconnect time, as with the
 * default (60 s).
 */
const settings = (mode: Mode) =>
  mode === "full"
    ? { leaseTtlMs: 10_000, maxLeaseTtlMs: 30_000, warmupMs: 2000, outageMs: 30_000, afterMs: 2000 }
    : { leaseTtlMs: 8000, maxLeaseTtlMs: 20_000, warmupMs: 500, outageMs: 9000, afterMs: 500 };

export function controlPlaneOutage(store: "redis" | "memory"): Scenario {
  return {
    id: `control-plane-outage-${store}`,
    title: `the control plane (${store} store) stopped under load, then restarted`,
    timeLimitMs: (mode) => (mode === "full" ? 150_000 : 50_000),
    async run(ctx: ScenarioContext) {
      const s = settings(ctx.mode);
      const m = await startMesh(ctx, {
        store,
        replicas: 1,
        instances: 3,
        leaseTtlMs: s.leaseTtlMs,
        maxLeaseTtlMs: s.maxLeaseTtlMs,
        meshName: `faults-cp-${store}`,
      });
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
      const before = await m.registry.view(m.service);
      const plane = m.planes[0];
      if (!plane || !before) throw new Error("no control plane");
      const stoppedAt = Date.now();
      ctx.log(`SIGTERM control plane (pid ${plane.child.pid}) for ${s.outageMs} ms`);
      const exit = await plane.child.stop();
      const noticedAt = await pollUntil(() => !m.mesh.connected, 5000);
      await runFor(stoppedAt + s.outageMs - Date.now());
      const restartedAt = Date.now();
      await m.startPlane(0, plane.port);
      ctx.log("control plane restarted");
      // The memory store kept nothing, policies included: an operator (here, the harness)
      // applies them again.
      if (store === "memory") await m.registry.setPolicy(m.service, RETRY_POLICY);
      const live = m.instances.map((i) => i.address);
      const reconnectedAt = pollUntil(() => m.mesh.connected, s.leaseTtlMs + 15_000);
      const recoveredAt = await pollUntil(
        async () => m.mesh.connected && (await m.converged(live)),
        s.leaseTtlMs + 15_000,
      );
      // The raw watcher (reconnecting every 100 ms) tells how a client resumes.
      await pollUntil(() => watcher.firstSince(restartedAt) !== undefined, 10_000);
      await runFor(s.afterMs);
      await load.stop();
      const after = await m.registry.view(m.service);
      const lost = live.filter((a) => !after?.endpoints.includes(a)).length;
      const first = watcher.firstSince(restartedAt);
      const recoveryMs = recoveredAt === undefined ? undefined : recoveredAt - restartedAt;
      const sameEpoch = after?.epoch === before.epoch;
      const resumed =
        store === "redis"
          ? expectation(
              "clients resume from their versions (a delta in the same epoch, not a snapshot)",
              first?.kind === "delta" && first.epoch === before.epoch && sameEpoch && after.hasPolicy,
              `first response ${first?.kind ?? "none"}, epoch ${first?.epoch === before.epoch ? "same" : "new"}, policy ${after?.hasPolicy ? "kept" : "lost"}`,
            )
          : expectation(
              "clients get a snapshot in a new epoch",
              first?.kind === "snapshot" && first.epoch !== before.epoch && !sameEpoch,
              `first response ${first?.kind ?? "none"}, epoch ${first?.epoch === before.epoch ? "same" : "new"}`,
            );
      const reRegistrations = m.instances.reduce((n, i) => n + i.registrations.length - 1, 0);
      const back = m.instances.map(
        (i) => (i.registrations.find((t) => t >= restartedAt) ?? Number.NaN) - restartedAt,
      );
      const clientBack = await reconnectedAt;
      return {
        calls: load.records.length,
        failedCalls: load.failures.length,
        failureSample: load.failureSample(),
        lostRegistrations: lost,
        recoveryMs,
        recoveryMeaning:
          "restart -> client reconnected, registry and client list every live instance, all serving",
        measured: {
          "outage ms": restartedAt - stoppedAt,
          "lease TTL ms": s.leaseTtlMs,
          "control plane exit": `${exit.signal ?? exit.code}`,
          "client noticed the loss after ms": noticedAt === undefined ? "never" : noticedAt - stoppedAt,
          "calls during the outage": load.endedBetween(stoppedAt, restartedAt).length,
          "first response after restart": `${first?.kind ?? "none"} (${first?.epoch === before.epoch ? "same" : "new"} epoch)`,
          "endpoints expired after restart": watcher.expiredSince(restartedAt),
          "re-registrations": reRegistrations,
          "client reconnected after restart ms":
            clientBack === undefined ? "never" : clientBack - restartedAt,
          "instances registered again after restart ms": back
            .map((x) => (Number.isNaN(x) ? "-" : x))
            .join("/"),
          "version before/after": `${before.version}/${after?.version ?? "?"}`,
          "delta gaps seen by the raw watcher": watcher.gaps,
        },
        expectations: [
          expectation(
            "no failed call during or after the outage",
            load.failures.length === 0,
            `${load.failures.length} failed`,
          ),
          expectation("no lost registration", lost === 0, `${lost} of ${live.length} missing at the end`),
          atMost("recovered within the lease TTL of the restart", recoveryMs, s.leaseTtlMs),
          resumed,
          ...(store === "redis"
            ? [
                expectation(
                  "the state survives: no live instance expired, none had to register again",
                  reRegistrations === 0,
                  `${reRegistrations} re-registrations, version ${before.version} -> ${after?.version ?? "?"}`,
                ),
              ]
            : []),
          expectation("no delta gap", watcher.gaps === 0, `${watcher.gaps} gaps`),
          expectation(
            "load ran during the outage",
            load.endedBetween(stoppedAt, restartedAt).length > 100,
            `${load.endedBetween(stoppedAt, restartedAt).length} calls`,
          ),
        ],
      };
    },
  };
}
