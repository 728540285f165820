/**
 * An instance frozen with SIGSTOP under load, then thawed with SIGCONT. Its socket stays open,
 * so nothing fails at once: calls sent to it hang until the mesh connection's keepalive
 * (5 s ping, 2 s timeout) declares the connection dead, then fail UNAVAILABLE and are retried
 * elsewhere. Its lease runs out meanwhile, so clients stop sending it new calls; once thawed it
 * finds its lease gone and registers again.
 */
import { CallLoad } from "../harness/load.js";
import { runFor, startMesh } from "../harness/mesh.js";
import { pollUntil } from "../harness/registry.js";
import { atMost, expectation, type Mode, type Scenario, type ScenarioContext } from "../harness/scenario.js";

/** grpc.keepalive_time_ms + grpc.keepalive_timeout_ms the SDK sets on mesh connections. */
const KEEPALIVE_DETECTION_MS = 5000 + 2000;

const settings = (mode: Mode) =>
  mode === "full"
    ? { leaseTtlMs: 10_000, warmupMs: 2000, frozenMs: 20_000 }
    : { leaseTtlMs: 2000, warmupMs: 500, frozenMs: 0 };

export const instanceFreeze: Scenario = {
  id: "instance-freeze",
  title: "an instance frozen with SIGSTOP under load, then SIGCONT",
  timeLimitMs: (mode) => (mode === "full" ? 120_000 : 50_000),
  async run(ctx: ScenarioContext) {
    const s = settings(ctx.mode);
    const m = await startMesh(ctx, {
      store: "redis",
      replicas: 1,
      instances: 3,
      leaseTtlMs: s.leaseTtlMs,
      meshName: "faults-freeze",
    });
    // A deadline longer than keepalive detection: the calls caught by the freeze are retried.
    const load = new CallLoad(m.client, { concurrency: 16, deadlineMs: 15_000 });
    ctx.defer(() => load.stop());
    await runFor(s.warmupMs);
    await m.steady();
    const [victim, ...others] = m.instances;
    if (!victim) throw new Error("no instance");
    const frozenAt = Date.now();
    ctx.log(`SIGSTOP ${victim.address} (pid ${victim.pid})`);
    victim.child.signal("SIGSTOP");
    const droppedAt = await pollUntil(async () => {
      const view = await m.registry.view(m.service);
      return (
        view !== undefined &&
        !view.endpoints.includes(victim.address) &&
        !m.clientView().includes(victim.address)
      );
    }, s.leaseTtlMs + 5000);
    // Every call that could have been sent to the frozen instance has ended (retried or not).
    const lastSent = droppedAt ?? Date.now();
    const settledAt = await pollUntil(
      () => (load.oldestInFlight() ?? Number.POSITIVE_INFINITY) > lastSent,
      20_000,
    );
    const remaining = frozenAt + s.frozenMs - Date.now();
    if (remaining > 0) await runFor(remaining);
    const thawedAt = Date.now();
    ctx.log(`SIGCONT ${victim.address}`);
    victim.child.signal("SIGCONT");
    const backAt = await pollUntil(async () => {
      const view = await m.registry.view(m.service);
      return view?.serving.includes(victim.address) === true && m.clientView().includes(victim.address);
    }, s.leaseTtlMs + 10_000);
    const servingAgainAt = await pollUntil(() => load.servedBy(victim.address, thawedAt) > 0, 5000);
    await load.stop();
    const view = await m.registry.view(m.service);
    const live = [victim, ...others].map((i) => i.address);
    const lost = live.filter((a) => !view?.endpoints.includes(a)).length;
    const dropMs = droppedAt === undefined ? undefined : droppedAt - frozenAt;
    const settleMs = settledAt === undefined ? undefined : settledAt - frozenAt;
    const backMs = backAt === undefined ? undefined : backAt - thawedAt;
    const longest = load.longest(frozenAt - 15_000);
    return {
      calls: load.records.length,
      failedCalls: load.failures.length,
      failureSample: load.failureSample(),
      lostRegistrations: lost,
      recoveryMs: settleMs,
      recoveryMeaning: "SIGSTOP -> every call caught by the freeze has ended (answered elsewhere or failed)",
      measured: {
        "lease TTL ms": s.leaseTtlMs,
        "calls cut mid-response": load.cutMidResponse.length,
        "dropped from registry and client ms": dropMs ?? "never",
        "longest call ms": longest,
        "calls held > 1 s by the freeze": load.slowerThan(1000, frozenAt - 15_000),
        "registered and routed again after SIGCONT ms": backMs ?? "never",
        "re-registrations": victim.registrations.length - 1,
        "calls served by it after SIGCONT": load.servedBy(victim.address, thawedAt),
      },
      expectations: [
        expectation(
          "no failed call (deadline 15 s > keepalive detection; answers cut before their status completed by the SDK)",
          load.failures.length === 0,
          `${load.failures.length} failed (${load.cutMidResponse.length} of them cut mid-response)`,
        ),
        expectation("no lost registration", lost === 0, `${lost} of ${live.length} missing at the end`),
        atMost("dropped within the lease TTL (+ sweep and push)", dropMs, s.leaseTtlMs + 1000),
        atMost(
          "calls caught by the freeze end within keepalive detection (+1 s)",
          longest,
          KEEPALIVE_DETECTION_MS + 1000,
        ),
        atMost("back in the registry and the client after SIGCONT", backMs, s.leaseTtlMs),
        expectation(
          "it takes calls again",
          servingAgainAt !== undefined,
          `${load.servedBy(victim.address, thawedAt)} calls`,
        ),
      ],
    };
  },
};
