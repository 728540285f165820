/**
 * The soak: a control plane on a real redis-server, in a process of its own that samples its RSS
 * and event-loop lag every second, with `subscribers` raw Discovery streams in a few other
 * processes, under churn (registrations, deregistrations, leases left to expire, health changes,
 * admin drains, policy sets and deletes) for the whole duration. Afterwards every subscriber's
 * view of every service it follows must equal the store, and memory and lag must be flat after
 * a warm-up: the medians of the last window within a tolerance of the mid-run window's.
 *
 *   node --conditions=source --import tsx packages/control-plane/test/soak.ts --minutes 10
 *   ... --seconds 60 --subscribers 200 --processes 2 --rate 30 --write-doc docs/reliability.md
 *
 * Windows: w = min(60 s, duration / 5); plateau = the w before mid-run, late = the last w. The
 * first half is warm-up: V8's heap, the hub's caches and Redis connections grow to their working
 * size there (RSS rises by a sixth between minutes two and ten of the long run when compared from
 * minute two). Over the second half a process that keeps nothing per operation stays within a
 * few per cent (the old generation grows and shrinks in steps of a few MiB between windows), so
 * the bound is 10%: with 1,000 subscribers about 23 MiB over five minutes of ~7,500 churn
 * operations, i.e. some 3 KiB kept per operation would fail it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type ClientDuplexStream, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { AdminClient, type GetServiceResponse } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import {
  type KeepAliveRequest,
  type KeepAliveResponse,
  RegistrationClient,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";
import { type Child, ChildTracker, launchRedis } from "../src/testing/index.js";
import { viewDigest } from "./soak-digest.js";

export interface SoakOptions {
  readonly durationMs: number;
  readonly subscribers: number;
  readonly processes: number;
  readonly services: number;
  readonly servicesPerStream: number;
  /** Churn operations per second. */
  readonly rate: number;
  /** Live endpoints at most. */
  readonly maxEndpoints: number;
  /** Late/plateau median RSS may exceed 1 + this. */
  readonly rssTolerance: number;
  /** Late/plateau median of the per-second p99 lag may exceed 1 + this ... */
  readonly lagTolerance: number;
  /** ... or the plateau median plus this many ms, whichever is larger (lag is noisy near zero). */
  readonly lagFloorMs: number;
  readonly log: (line: string) => void;
}

export const DEFAULT_SOAK: SoakOptions = {
  durationMs: 10 * 60_000,
  subscribers: 1000,
  processes: 4,
  services: 20,
  servicesPerStream: 3,
  rate: 25,
  maxEndpoints: 300,
  rssTolerance: 0.1,
  lagTolerance: 0.5,
  lagFloorMs: 10,
  log: (line) => process.stderr.write(`${line}\n`),
};

interface Sample {
  readonly t: number;
  readonly rss: number;
  readonly heap: number;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly lagMax: number;
  readonly streams: number;
}

export interface SoakReport {
  readonly options: Omit<SoakOptions, "log">;
  readonly operations: Readonly<Record<string, number>>;
  readonly operationErrors: number;
  readonly samples: number;
  /** RSS median of the window after start-up (for the record; not judged). */
  readonly rssEarlyMiB: number;
  readonly rssPlateauMiB: number;
  readonly rssLateMiB: number;
  readonly lagP99PlateauMs: number;
  readonly lagP99LateMs: number;
  readonly lagMaxMs: number;
  readonly views: number;
  readonly mismatchedViews: number;
  readonly mismatchSample: readonly string[];
  readonly convergedInMs: number | undefined;
  readonly responses: number;
  readonly gaps: number;
  readonly subscriptionErrors: number;
  readonly streamEnds: number;
  readonly checks: readonly { readonly name: string; readonly pass: boolean; readonly detail: string }[];
}

const HERE = fileURLToPath(new URL(".", import.meta.url));
const TSX = ["--conditions=source", "--import", "tsx"];
const TTL_MS = 3000;
const MiB = 2 ** 20;

/** The soak's processes: the control plane and the subscriber processes. */
function spawnTsx(tracker: ChildTracker, script: string, arg: unknown): Promise<Child> {
  return tracker.spawnNode(script, [...TSX, resolve(HERE, script), JSON.stringify(arg)], { stdin: "pipe" });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

type Live = { service: string; id: string; health: HealthStatus };

/** The churn: a population of endpoints that come, go, lapse, change health, with policies changing. */
class Churn {
  readonly ops: Record<string, number> = {};
  errors = 0;
  readonly live = new Map<string, Live>();
  private readonly keepAlive: ClientDuplexStream<KeepAliveRequest, KeepAliveResponse>;
  private readonly renewTimer: NodeJS.Timeout;
  private seq = 0;

  constructor(
    private readonly reg: RegistrationClient,
    private readonly admin: AdminClient,
    private readonly services: readonly string[],
    private readonly maxEndpoints: number,
  ) {
    this.keepAlive = reg.keepAlive(new Metadata());
    this.keepAlive.on("data", () => {});
    this.keepAlive.on("error", () => {
      this.errors += 1;
    });
    this.renewTimer = setInterval(() => {
      for (const leaseId of this.live.keys()) this.keepAlive.write({ leaseId, health: 0 });
    }, TTL_MS / 3);
  }

  stop(): void {
    clearInterval(this.renewTimer);
    this.keepAlive.end();
  }

  private count(op: string): void {
    this.ops[op] = (this.ops[op] ?? 0) + 1;
  }

  private pickLive(): [string, Live] | undefined {
    const keys = [...this.live.keys()];
    const key = keys[Math.floor(Math.random() * keys.length)];
    const value = key === undefined ? undefined : this.live.get(key);
    return key !== undefined && value ? [key, value] : undefined;
  }

  private service(): string {
    return this.services[Math.floor(Math.random() * this.services.length)] as string;
  }

  /** Registers until `n` endpoints are live (before the measured period: a steady state from the start). */
  async fill(n: number): Promise<void> {
    while (this.live.size < n)
      await Promise.all(Array.from({ length: Math.min(16, n - this.live.size) }, () => this.register()));
  }

  /** One operation. Registrations balance removals around 80% of `maxEndpoints`. */
  async step(): Promise<void> {
    const r = Math.random();
    const target = 0.8 * this.maxEndpoints;
    const registerShare = this.live.size < target ? 0.4 : 0.25;
    try {
      if (r < registerShare) await this.register();
      else if (r < 0.55) await this.deregister();
      else if (r < 0.63) this.lapse();
      else if (r < 0.78) this.health();
      else if (r < 0.9) await this.setPolicy();
      else if (r < 0.95) await this.deletePolicy();
      else await this.drain();
    } catch {
      this.errors += 1;
    }
  }

  private unary<Res>(invoke: (cb: (e: ServiceError | null, r: Res) => void) => void): Promise<Res> {
    return new Promise((res, rej) => invoke((e, r) => (e ? rej(e) : res(r))));
  }

  private async register(): Promise<void> {
    if (this.live.size >= this.maxEndpoints) return this.deregister();
    const n = ++this.seq;
    const request = {
      service: this.service(),
      host: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      port: 1000 + (n % 50_000),
      zone: `zone-${n % 3}`,
      weight: 1 + (n % 10),
      metadata: { version: `v${n % 5}` },
      health: 0,
      ttlMs: TTL_MS,
    };
    const r = await this.unary<{ leaseId: string; endpointId: string }>((cb) =>
      this.reg.register(request, cb),
    );
    this.live.set(r.leaseId, {
      service: request.service,
      id: r.endpointId,
      health: HealthStatus.HEALTH_STATUS_SERVING,
    });
    this.count("register");
  }

  private async deregister(): Promise<void> {
    const picked = this.pickLive();
    if (!picked) return;
    this.live.delete(picked[0]);
    await this.unary((cb) => this.reg.deregister({ leaseId: picked[0] }, cb));
    this.count("deregister");
  }

  /** Stops renewing one lease: the reaper expires it. */
  private lapse(): void {
    const picked = this.pickLive();
    if (!picked) return;
    this.live.delete(picked[0]);
    this.count("lapse");
  }

  private health(): void {
    const picked = this.pickLive();
    if (!picked) return;
    const next = [
      HealthStatus.HEALTH_STATUS_SERVING,
      HealthStatus.HEALTH_STATUS_NOT_SERVING,
      HealthStatus.HEALTH_STATUS_DRAINING,
    ][Math.floor(Math.random() * 3)] as HealthStatus;
    picked[1].health = next;
    this.keepAlive.write({ leaseId: picked[0], health: next });
    this.count("health");
  }

  private async setPolicy(): Promise<void> {
    const policy = Policy.fromPartial({
      timeoutMs: 100 + Math.floor(Math.random() * 5000),
      loadBalancing: { algorithm: 1 + Math.floor(Math.random() * 5) },
      retry: { maxAttempts: 1 + Math.floor(Math.random() * 5) },
    });
    await this.unary((cb) =>
      this.admin.setPolicy({ service: this.service(), policy, validateOnly: false }, cb),
    );
    this.count("setPolicy");
  }

  private async deletePolicy(): Promise<void> {
    await this.unary((cb) => this.admin.deletePolicy({ service: this.service() }, cb));
    this.count("deletePolicy");
  }

  private async drain(): Promise<void> {
    const picked = this.pickLive();
    if (!picked) return;
    const undo = Math.random() < 0.5;
    await this.unary((cb) =>
      this.admin.drainEndpoint({ service: picked[1].service, endpointId: picked[1].id, undo }, cb),
    ).catch((e: ServiceError) => {
      if (e.code !== status.NOT_FOUND) throw e;
    });
    this.count("drain");
  }
}

async function storeDigests(
  admin: AdminClient,
  services: readonly string[],
): Promise<{ digests: Map<string, string>; ids: Map<string, string[]> }> {
  const out = new Map<string, string>();
  const ids = new Map<string, string[]>();
  for (const service of services) {
    const r = await new Promise<GetServiceResponse | undefined>((res, rej) =>
      admin.getService({ service }, (e, v) =>
        e ? (e.code === status.NOT_FOUND ? res(undefined) : rej(e)) : res(v),
      ),
    );
    const endpoints = (r?.endpoints ?? []).flatMap((e) => (e.endpoint ? [e.endpoint] : []));
    out.set(service, viewDigest(r?.version ?? 0, endpoints, r?.policy));
    ids.set(service, endpoints.map((e) => e.id).sort());
  }
  return { digests: out, ids };
}

interface SubscriberReport {
  views: Record<string, string>;
  responses: number;
  gaps: number;
  errors: number;
  streamEnds: number;
}

async function reportOf(p: Child): Promise<SubscriberReport> {
  const line = p.waitForLine((l) => l.startsWith('{"report"'), 30_000, "subscriber report");
  p.write("report");
  return (JSON.parse(await line) as { report: SubscriberReport }).report;
}

function windows(samples: readonly Sample[], durationMs: number) {
  const w = Math.min(60_000, durationMs / 5);
  const within = (from: number, to: number) => samples.filter((s) => s.t >= from && s.t < to);
  return {
    early: within(w, 2 * w),
    plateau: within(durationMs / 2 - w, durationMs / 2),
    late: within(durationMs - w, durationMs),
  };
}

export async function runSoak(options: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o = { ...DEFAULT_SOAK, ...options };
  const procs = new ChildTracker();
  const redis = await launchRedis();
  const cleanup = async () => {
    await procs.killAll();
    await redis.stop();
  };
  try {
    const cp = await spawnTsx(procs, "soak-control-plane.ts", {
      redisUrl: redis.url,
      keyPrefix: redis.keyPrefix,
    });
    const samples: Sample[] = [];
    let t0 = 0;
    cp.onLine((line) => {
      if (line.startsWith('{"sample"')) {
        const s = (JSON.parse(line) as { sample: Sample }).sample;
        samples.push({ ...s, t: s.t - t0 });
      }
    });
    const address = (
      JSON.parse(await cp.waitForLine((l) => l.startsWith('{"listening"'), 30_000, "listen line")) as {
        listening: string;
      }
    ).listening;
    const services = Array.from({ length: o.services }, (_, i) => `soak-${i}`);
    const admin = new AdminClient(address, credentials.createInsecure());
    const reg = new RegistrationClient(address, credentials.createInsecure());
    const subscribers: Child[] = [];
    for (let i = 0; i < o.processes; i++) {
      const streams = Math.floor(o.subscribers / o.processes) + (i < o.subscribers % o.processes ? 1 : 0);
      const p = await spawnTsx(procs, "soak-subscribers.ts", {
        address,
        prefix: `p${i}`,
        streams,
        perStream: o.servicesPerStream,
        services,
        // Eight streams per connection (an SDK process holds one; the control plane allows 16).
        connections: Math.ceil(streams / 8),
      });
      subscribers.push(p);
    }
    await Promise.all(
      subscribers.map((p) => p.waitForLine((l) => l.startsWith('{"ready"'), 60_000, "subscribers ready")),
    );
    o.log(
      `soak: ${o.subscribers} subscribers on ${address}; churning for ${Math.round(o.durationMs / 1000)} s`,
    );
    const churn = new Churn(reg, admin, services, o.maxEndpoints);
    await churn.fill(Math.floor(0.8 * o.maxEndpoints));
    t0 = samples.length > 0 ? (samples[samples.length - 1]?.t ?? 0) : 0;
    const startedAt = Date.now();
    samples.length = 0;
    let lastLog = startedAt;
    while (Date.now() - startedAt < o.durationMs) {
      const tickStarted = Date.now();
      await churn.step();
      const wait = 1000 / o.rate - (Date.now() - tickStarted);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (Date.now() - lastLog > 60_000) {
        lastLog = Date.now();
        const s = samples[samples.length - 1];
        o.log(
          `soak: ${Math.round((Date.now() - startedAt) / 1000)} s, ${churn.live.size} live endpoints, rss ${((s?.rss ?? 0) / MiB).toFixed(1)} MiB, lag p99 ${s?.lagP99} ms`,
        );
      }
    }
    const durationMs = Date.now() - startedAt;
    // Churn stops (live leases are still renewed). Once the lapsed leases have run out, the
    // store holds exactly the live endpoints; then every view must equal the store.
    const settleFrom = Date.now();
    let mismatched: string[] = [];
    let reports: SubscriberReport[] = [];
    let convergedAt: number | undefined;
    const truth = new Map<string, string[]>(services.map((s) => [s, []]));
    for (const l of churn.live.values()) truth.get(l.service)?.push(l.id);
    while (Date.now() - settleFrom < TTL_MS + 30_000) {
      const { digests, ids } = await storeDigests(admin, services);
      const settled = services.every(
        (s) => JSON.stringify(ids.get(s)) === JSON.stringify([...(truth.get(s) ?? [])].sort()),
      );
      reports = await Promise.all(subscribers.map(reportOf));
      mismatched = settled ? [] : ["the store does not hold exactly the live endpoints yet"];
      for (const rep of reports) {
        for (const [key, digest] of Object.entries(rep.views)) {
          const service = key.slice(key.indexOf("/") + 1);
          if (digests.get(service) !== digest)
            mismatched.push(`${key}: ${digest} vs store ${digests.get(service)}`);
        }
      }
      if (mismatched.length === 0) {
        convergedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    churn.stop();
    admin.close();
    reg.close();
    const { early, plateau, late } = windows(samples, durationMs);
    const rssEarly = median(early.map((s) => s.rss)) / MiB;
    const rssPlateau = median(plateau.map((s) => s.rss)) / MiB;
    const rssLate = median(late.map((s) => s.rss)) / MiB;
    const lagPlateau = median(plateau.map((s) => s.lagP99));
    const lagLate = median(late.map((s) => s.lagP99));
    const lagBound = Math.max(lagPlateau * (1 + o.lagTolerance), lagPlateau + o.lagFloorMs);
    const judged = plateau.length > 0 && late.length > 0;
    const views = reports.reduce((n, r) => n + Object.keys(r.views).length, 0);
    const sum = (k: "responses" | "gaps" | "errors" | "streamEnds") => reports.reduce((n, r) => n + r[k], 0);
    const checks = [
      {
        name: "every subscriber's view equals the store",
        pass: mismatched.length === 0 && views === o.subscribers * o.servicesPerStream,
        detail: `${views} views, ${mismatched.length} differ`,
      },
      {
        name: `RSS flat after warm-up (last window's median within ${Math.round(o.rssTolerance * 100)}% of mid-run's)`,
        pass: judged && rssLate <= rssPlateau * (1 + o.rssTolerance),
        detail: `${rssPlateau.toFixed(1)} -> ${rssLate.toFixed(1)} MiB (bound ${(rssPlateau * (1 + o.rssTolerance)).toFixed(1)} MiB)`,
      },
      {
        name: `event-loop lag flat after warm-up (last window's median p99 within ${Math.round(o.lagTolerance * 100)}% or ${o.lagFloorMs} ms of mid-run's)`,
        pass: judged && lagLate <= lagBound,
        detail: `${lagPlateau} -> ${lagLate} ms (bound ${lagBound.toFixed(1)} ms)`,
      },
      {
        name: "no delta gap, no stream lost",
        pass: sum("gaps") === 0 && sum("streamEnds") === 0,
        detail: `${sum("gaps")} gaps, ${sum("streamEnds")} streams ended`,
      },
      { name: "every churn operation succeeded", pass: churn.errors === 0, detail: `${churn.errors} failed` },
    ];
    const { log: _log, ...shown } = o;
    return {
      options: { ...shown, durationMs },
      operations: churn.ops,
      operationErrors: churn.errors,
      samples: samples.length,
      rssEarlyMiB: rssEarly,
      rssPlateauMiB: rssPlateau,
      rssLateMiB: rssLate,
      lagP99PlateauMs: lagPlateau,
      lagP99LateMs: lagLate,
      lagMaxMs: Math.max(0, ...samples.map((s) => s.lagMax)),
      views,
      mismatchedViews: mismatched.length,
      mismatchSample: mismatched.slice(0, 5),
      convergedInMs: convergedAt === undefined ? undefined : convergedAt - settleFrom,
      responses: sum("responses"),
      gaps: sum("gaps"),
      subscriptionErrors: sum("errors"),
      streamEnds: sum("streamEnds"),
      checks,
    };
  } finally {
    await cleanup();
  }
}

export function soakSummary(r: SoakReport): string {
  const ops = Object.entries(r.operations)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const rows = [
    ["duration", `${(r.options.durationMs / 1000).toFixed(0)} s`],
    [
      "subscribers (raw Discovery streams)",
      `${r.options.subscribers} in ${r.options.processes} processes, ${r.options.servicesPerStream} services each`,
    ],
    ["churn operations", `${Object.values(r.operations).reduce((a, b) => a + b, 0)} (${ops})`],
    [
      "control-plane RSS median: after start-up, mid-run, last window",
      `${r.rssEarlyMiB.toFixed(1)}, ${r.rssPlateauMiB.toFixed(1)}, ${r.rssLateMiB.toFixed(1)} MiB`,
    ],
    [
      "event-loop lag p99 median: mid-run -> last window",
      `${r.lagP99PlateauMs} -> ${r.lagP99LateMs} ms (max ${r.lagMaxMs} ms)`,
    ],
    ["responses received by subscribers", String(r.responses)],
    [
      "views compared with the store",
      `${r.views}, ${r.mismatchedViews} differ (equal ${r.convergedInMs ?? "never"} ms after the churn stopped; lapsed leases need one TTL, ${TTL_MS} ms)`,
    ],
  ];
  const table = ["| soak | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n");
  const checks = r.checks.map((c) => `- ${c.pass ? "pass" : "FAIL"}: ${c.name}: ${c.detail}`).join("\n");
  const sample = r.mismatchSample.map((m) => `- differs: ${m}`).join("\n");
  return [table, "", checks, ...(sample ? [sample] : [])].join("\n");
}

const BEGIN =
  "<!-- soak:begin (generated by packages/control-plane/test/soak.ts --write-doc; do not edit) -->";
const END = "<!-- soak:end -->";

async function main(): Promise<number> {
  const { values } = parseArgs({
    // pnpm passes a "--" along with the arguments after it.
    args: process.argv.slice(2).filter((a) => a !== "--"),
    options: {
      minutes: { type: "string" },
      seconds: { type: "string" },
      subscribers: { type: "string" },
      processes: { type: "string" },
      rate: { type: "string" },
      "write-doc": { type: "string" },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const seconds = num(values.seconds) ?? (num(values.minutes) ?? 10) * 60;
  const report = await runSoak({
    durationMs: seconds * 1000,
    ...(values.subscribers ? { subscribers: Number(values.subscribers) } : {}),
    ...(values.processes ? { processes: Number(values.processes) } : {}),
    ...(values.rate ? { rate: Number(values.rate) } : {}),
  });
  const summary = soakSummary(report);
  process.stdout.write(`\n${summary}\n`);
  const doc = values["write-doc"];
  if (doc) {
    const path = resolve(process.env.INIT_CWD ?? process.cwd(), doc);
    const text = readFileSync(path, "utf8");
    const from = text.indexOf(BEGIN.slice(0, 18));
    const to = text.indexOf(END);
    if (from < 0 || to < 0) throw new Error(`${path} has no soak section markers`);
    const section = `${BEGIN}\nLast run: ${new Date().toISOString()}, Node ${process.version}.\n\n${summary}\n${END}`;
    writeFileSync(path, `${text.slice(0, from)}${section}${text.slice(to + END.length)}`);
    process.stdout.write(`wrote the soak section of ${path}\n`);
  }
  return report.checks.every((c) => c.pass) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    },
  );
}
