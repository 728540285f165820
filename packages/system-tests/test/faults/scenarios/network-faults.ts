/**
 * Network faults injected with Toxiproxy on one link of the mesh, under load:
 *
 * - redis-partition: the control plane's link to Redis black-holed (nothing passes either way);
 * - client-partition: the mesh client's link to the control plane cut (proxy disabled);
 * - client-reset: the mesh client's connections to the control plane reset over and over;
 * - redis-slow: 200 ms of latency and a bandwidth trickle on the control plane's Redis link;
 * - redis-one-way: one of two replicas hears nothing back from Redis (its commands still arrive);
 *   past --store-outage-shed-ms it gives up its clients, which move to the other replica.
 *
 * Each states what the application sees and what the operator sees; docs/reliability.md has
 * the table.
 */
import { launchRedis } from "@switchboard/control-plane/testing";
import { CallLoad } from "../harness/load.js";
import { RETRY_POLICY, runFor } from "../harness/mesh.js";
import { PlaneProbe } from "../harness/plane-probe.js";
import { pollUntil, sameSet } from "../harness/registry.js";
import {
  atMost,
  type Expectation,
  expectation,
  type Mode,
  type Scenario,
  type ScenarioContext,
} from "../harness/scenario.js";
import { startToxiproxy, type ToxicProxy } from "../harness/toxiproxy.js";
import { startUrlMesh, type UrlMesh } from "../harness/url-mesh.js";

export type NetworkFault =
  | "redis-partition"
  | "client-partition"
  | "client-reset"
  | "redis-slow"
  | "redis-one-way";

const settings = (mode: Mode) =>
  mode === "full" ? { leaseTtlMs: 6000, faultMs: 15_000 } : { leaseTtlMs: 2000, faultMs: 3000 };

/** A registration refused while Redis is unreachable is refused this fast at most: the store's
 * command timeout (1 s) and its one retry of a mutation. */
const FAIL_FAST_MS = 2500;
/** How long a change may take to reach the client once a link is whole again: the SDK's
 * reconnect cap (5 s) plus a margin for a loaded machine. */
const RESUME_BOUND_MS = 8000;
/** From replica a reporting NOT_SERVING to the client on replica b with a change made meanwhile:
 * the default --store-outage-shed-ms (5 s), the 2 s over which a replica spreads the ends of its
 * streams, the SDK's first reconnect delay (at most 100 ms), and a margin for a loaded machine. */
const SHED_MOVE_BOUND_MS = 9000;
/** Propagation of one change over a Redis link with 200 ms latency and a 32 KiB/s trickle
 * (measured: well under 2 s; the bound leaves room for a loaded machine). */
const SLOW_PROPAGATION_BOUND_MS = 4000;

interface Setup {
  readonly m: UrlMesh;
  readonly proxy: ToxicProxy;
  readonly load: CallLoad;
}

async function setUp(ctx: ScenarioContext, fault: NetworkFault, leaseTtlMs: number): Promise<Setup> {
  const toxiproxy = await startToxiproxy(ctx);
  const redis = await launchRedis({ tracker: ctx.children });
  ctx.defer(() => redis.stop());
  const direct = `redis://127.0.0.1:${redis.port}`;
  const onRedisLink = fault.startsWith("redis-");
  // The faulty link: the control plane's to Redis, or the mesh client's to the control plane.
  let proxy = onRedisLink ? await toxiproxy.proxy("redis", `127.0.0.1:${redis.port}`) : undefined;
  const viaProxy = proxy ? `redis://${proxy.listen}` : direct;
  const startedAt = Date.now();
  const m = await startUrlMesh(ctx, {
    redisUrls: fault === "redis-one-way" ? [viaProxy, direct] : [viaProxy],
    instances: 3,
    leaseTtlMs,
    meshName: `faults-net-${fault}`,
    ...(onRedisLink
      ? {}
      : {
          clientAddresses: async (planes) => {
            proxy = await toxiproxy.proxy("client", planes[0]?.address ?? "");
            return [proxy.listen];
          },
        }),
  });
  if (!proxy) throw new Error("no proxy on the faulty link");
  const load = new CallLoad(m.client, { concurrency: 16, deadlineMs: 5000 });
  ctx.defer(() => load.stop());
  // Past the start-up pause of lease expiry: the fault meets the steady state.
  await runFor(Math.max(500, startedAt + leaseTtlMs + 600 - Date.now()));
  return { m, proxy, load };
}

/** Sets a policy through whichever replica answers, retrying while none can; resolves with the
 * version and when it was accepted. */
async function changePolicy(
  m: UrlMesh,
  timeoutMs: number,
  marker: number,
): Promise<{ version: number; atMs: number | undefined }> {
  let version = 0;
  const atMs = await pollUntil(
    async () => {
      try {
        version = await m.registry.setPolicy(m.service, { ...RETRY_POLICY, timeoutMs: 4000 + marker });
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    100,
  );
  return { version, atMs };
}

function clientAt(m: UrlMesh, version: number, timeoutMs: number): Promise<number | undefined> {
  return pollUntil(() => (m.mesh.stats().services[m.service]?.version ?? 0) >= version, timeoutMs);
}

export function networkFault(fault: NetworkFault): Scenario {
  return {
    id: `net-${fault}`,
    title: {
      "redis-partition": "control plane <-> Redis black-holed",
      "client-partition": "mesh client <-> control plane cut",
      "client-reset": "mesh client <-> control plane connections reset",
      "redis-slow": "200 ms latency and a 32 KiB/s trickle on the Redis link",
      "redis-one-way": "one replica hears nothing back from Redis",
    }[fault],
    timeLimitMs: (mode) => (mode === "full" ? 120_000 : 40_000),
    async run(ctx: ScenarioContext) {
      const s = settings(ctx.mode);
      const { m, proxy, load } = await setUp(ctx, fault, s.leaseTtlMs);
      const all = m.instances.map((i) => i.address);
      const measured: Record<string, string | number> = { "lease TTL ms": s.leaseTtlMs };
      const expectations: Expectation[] = [];
      let recoveryMs: number | undefined;
      let recoveryMeaning = "";
      // The client's endpoints, sampled through the fault: static stability keeps them all.
      let shrunk = 0;
      const sampler = setInterval(() => {
        if (!sameSet(m.clientView(), all)) shrunk += 1;
      }, 50);
      ctx.defer(() => clearInterval(sampler));
      const faultAt = Date.now();

      if (fault === "redis-partition") {
        const toxics = [
          await proxy.addToxic({ type: "timeout", attributes: { timeout: 0 } }, "downstream"),
          await proxy.addToxic({ type: "timeout", attributes: { timeout: 0 } }, "upstream"),
        ];
        const probe = new PlaneProbe(m.addresses[0] ?? "");
        ctx.defer(() => probe.close());
        const noticedAt = await pollUntil(
          async () => (await probe.servingStatus()) === "NOT_SERVING",
          10_000,
          100,
        );
        const refused = await probe.register(m.service, 1);
        await runFor(Math.max(0, faultAt + s.faultMs - Date.now()));
        for (const t of toxics) await proxy.removeToxic(t);
        const healedAt = Date.now();
        const change = await changePolicy(m, RESUME_BOUND_MS, 1);
        const appliedAt = await clientAt(m, change.version, RESUME_BOUND_MS);
        recoveryMs = appliedAt === undefined ? undefined : appliedAt - healedAt;
        recoveryMeaning = "heal -> a change made after it applied by the client";
        measured["NOT_SERVING after ms"] = noticedAt === undefined ? "never" : noticedAt - faultAt;
        measured["registration during the partition"] = `${refused.code} in ${refused.ms} ms`;
        expectations.push(
          atMost(
            "the control plane reports NOT_SERVING",
            noticedAt === undefined ? undefined : noticedAt - faultAt,
            5000,
          ),
          expectation(
            "a registration fails fast with UNAVAILABLE",
            refused.code === "UNAVAILABLE" && refused.ms <= FAIL_FAST_MS,
            `${refused.code} in ${refused.ms} ms (bound ${FAIL_FAST_MS} ms)`,
          ),
          atMost("changes flow again after the heal", recoveryMs, RESUME_BOUND_MS),
        );
      } else if (fault === "client-partition" || fault === "client-reset") {
        const toxic =
          fault === "client-reset"
            ? await proxy.addToxic({ type: "reset_peer", attributes: { timeout: 200 } }, "downstream")
            : undefined;
        if (!toxic) await proxy.setEnabled(false);
        const lostAt = await pollUntil(() => !m.mesh.connected, 10_000, 10);
        // A change made meanwhile (the control plane itself is fine) waits for the client.
        const during = await changePolicy(m, 5000, 2);
        await runFor(Math.max(0, faultAt + s.faultMs - Date.now()));
        const heldVersion = m.mesh.stats().services[m.service]?.version ?? 0;
        if (toxic) await proxy.removeToxic(toxic);
        else await proxy.setEnabled(true);
        const healedAt = Date.now();
        const appliedAt = await clientAt(m, during.version, RESUME_BOUND_MS);
        recoveryMs = appliedAt === undefined ? undefined : appliedAt - healedAt;
        recoveryMeaning = "heal -> the client reconnected and applied the change it missed";
        measured["client lost its stream after ms"] = lostAt === undefined ? "never" : lostAt - faultAt;
        measured["client's version during the fault"] = `${heldVersion} (the change: ${during.version})`;
        expectations.push(
          expectation(
            "the client lost its stream",
            lostAt !== undefined,
            lostAt === undefined ? "never" : "yes",
          ),
          atMost("the client resumes and catches up after the heal", recoveryMs, RESUME_BOUND_MS),
        );
      } else if (fault === "redis-slow") {
        const toxics = [
          await proxy.addToxic({ type: "latency", attributes: { latency: 200 } }, "downstream"),
          await proxy.addToxic({ type: "bandwidth", attributes: { rate: 32 } }, "downstream"),
        ];
        const timings: number[] = [];
        let rounds = 0;
        while (Date.now() < faultAt + s.faultMs || rounds < 3) {
          rounds += 1;
          const started = Date.now();
          const change = await changePolicy(m, SLOW_PROPAGATION_BOUND_MS, 10 + rounds);
          const appliedAt = await clientAt(m, change.version, SLOW_PROPAGATION_BOUND_MS * 2);
          timings.push(appliedAt === undefined ? Number.POSITIVE_INFINITY : appliedAt - started);
        }
        for (const t of toxics) await proxy.removeToxic(t);
        const worst = Math.max(...timings);
        recoveryMs = worst;
        recoveryMeaning = "the slowest SetPolicy -> client applied, over the slow link";
        measured["propagation ms (each change)"] = timings.map((t) => Math.round(t)).join(", ");
        expectations.push(atMost("every change still propagates, slower", worst, SLOW_PROPAGATION_BOUND_MS));
      } else {
        // redis-one-way: replica a's commands reach Redis, Redis's answers never come back.
        const startedOn = m.mesh.stats().controlPlane === m.addresses[0] ? "a" : "b";
        const toxic = await proxy.addToxic({ type: "timeout", attributes: { timeout: 0 } }, "downstream");
        const probe = new PlaneProbe(m.addresses[0] ?? "");
        ctx.defer(() => probe.close());
        const noticedAt = await pollUntil(
          async () => (await probe.servingStatus()) === "NOT_SERVING",
          10_000,
          100,
        );
        const refused = await probe.register(m.service, 2);
        // A change made through replica b during the fault. Replica a ends its Discovery streams
        // once its store has been unreachable past --store-outage-shed-ms, so the client moves to
        // b and gets the change there, while a is still deaf.
        const change = await changePolicy(m, 5000, 3);
        const onB = () =>
          m.mesh.connected &&
          m.mesh.stats().controlPlane === m.addresses[1] &&
          (m.mesh.stats().services[m.service]?.version ?? 0) >= change.version;
        const movedAt = await pollUntil(onB, SHED_MOVE_BOUND_MS + 5000);
        await runFor(Math.max(0, faultAt + s.faultMs - Date.now()));
        await proxy.removeToxic(toxic);
        const fromNotice = (at: number | undefined) =>
          at === undefined || noticedAt === undefined ? undefined : at - noticedAt;
        recoveryMs = fromNotice(movedAt);
        recoveryMeaning =
          "replica a NOT_SERVING -> the client on replica b with the change made during the fault";
        measured["replica a NOT_SERVING after ms"] = noticedAt === undefined ? "never" : noticedAt - faultAt;
        measured["registration on replica a"] = `${refused.code} in ${refused.ms} ms`;
        measured["client's replica before the fault"] = startedOn;
        measured["client on b with the change, ms after the change was made"] =
          movedAt === undefined || change.atMs === undefined ? "never" : movedAt - change.atMs;
        expectations.push(
          expectation("the client starts on replica a", startedOn === "a", startedOn),
          atMost(
            "replica a notices (NOT_SERVING)",
            noticedAt === undefined ? undefined : noticedAt - faultAt,
            8000,
          ),
          expectation(
            "replica a refuses registrations with UNAVAILABLE",
            refused.code === "UNAVAILABLE" && refused.ms <= FAIL_FAST_MS,
            `${refused.code} in ${refused.ms} ms (bound ${FAIL_FAST_MS} ms)`,
          ),
          atMost(
            "the client moves to replica b and has the change made during the fault",
            recoveryMs,
            SHED_MOVE_BOUND_MS,
          ),
        );
      }

      clearInterval(sampler);
      // Every live instance is registered once a lease TTL has passed since the link healed.
      await runFor(s.leaseTtlMs + 500);
      await load.stop();
      const missing = await m.missing();
      return {
        calls: load.records.length,
        failedCalls: load.failures.length,
        failureSample: load.failureSample(),
        lostRegistrations: missing,
        recoveryMs,
        recoveryMeaning,
        measured: { ...measured, "client endpoint set shrank (samples)": shrunk },
        expectations: [
          expectation("no failed call", load.failures.length === 0, `${load.failures.length} failed`),
          expectation(
            "the client keeps every endpoint through the fault",
            shrunk === 0,
            `${shrunk} samples short`,
          ),
          ...expectations,
          expectation("no registration lost", missing === 0, `${missing} missing`),
        ],
      };
    },
  };
}
