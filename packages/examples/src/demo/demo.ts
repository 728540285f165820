import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject } from "@bufbuild/protobuf";
import { credentials } from "@grpc/grpc-js";
import { ChildTracker } from "@switchboard/control-plane/testing";
import { grpcurlCommand, ReflectedClient } from "../admin/reflected-client.js";
import { OrderServiceClient } from "../gen/demo/order/v1/order.js";
import { CallTally } from "../load-generator/call-tally.js";
import { LoadGenerator } from "../load-generator/load-generator.js";
import { placeOrderTarget } from "../load-generator/targets.js";
import { type Cluster, startCanaries, startCluster, stopCluster, type UserInstance } from "./cluster.js";
import { OrderServiceWatch } from "./order-watch.js";
import type { DemoOutput } from "./output.js";
import type { Phase, PhaseContext } from "./phases.js";
import { GET_USER_METHOD } from "./policies.js";
import {
  canaryLanding,
  type InstanceInfo,
  PhaseLedger,
  type PhaseSummary,
  sharesByVersion,
} from "./summary.js";
import type { ViewModel } from "./view.js";
import { describeRoutes, instanceRows, processState } from "./view-model.js";

export interface DemoOptions {
  readonly phases: readonly Phase[];
  readonly phaseMs: number;
  /** PlaceOrder calls per second. */
  readonly ratePerSecond: number;
  readonly concurrency: number;
  /** Lease TTL of the user-service instances, ms. */
  readonly leaseTtlMs: number;
  readonly logDir: string;
}

export interface DemoReport {
  /** True when stopped early (Ctrl-C). */
  readonly interrupted: boolean;
  readonly controlPlane: { readonly address: string; readonly store: string } | undefined;
  readonly logDir: string;
  /** Every process the demo started, and how it exited. */
  readonly processes: readonly { name: string; pid: number; exit: string }[];
  readonly instances: readonly InstanceInfo[];
  readonly phases: readonly PhaseSummary[];
}

const SERVICE = "user-service";
const STOP_GRACE_MS = 10_000;
const MAX_EVENTS = 8;
/** Share of the load generator's orders marked `x-canary: 1`. */
const CANARY_SHARE = 0.05;

/** One run of the demo: start everything, play the phases, stop everything. */
export class Demo {
  private readonly group = new ChildTracker();
  private readonly ledger = new PhaseLedger();
  private cluster: Cluster | undefined;
  private admin: ReflectedClient | undefined;
  private orderClient: OrderServiceClient | undefined;
  private load: LoadGenerator | undefined;
  private lastSecond = new CallTally();
  /** The orders of the last second marked for the canary. */
  private lastSecondCanary = new CallTally();
  /** The route table in force, in words ("" without one). */
  private routeText = "";
  private watch: OrderServiceWatch | undefined;
  private events: string[] = [];
  private banner: string[] = [];
  private phaseIndex = 0;
  private readonly createdAt = Date.now();
  /** When the first phase began: the view's clock. */
  private phasesStartedAt = Date.now();
  private nextTickAt = 0;

  constructor(
    private readonly o: DemoOptions,
    private readonly out: DemoOutput,
    private readonly signal: AbortSignal,
  ) {}

  /** Runs every phase (or until the signal aborts), then stops every process it started. */
  async run(): Promise<DemoReport> {
    let interrupted = false;
    try {
      await this.startUp();
      for (const [index, phase] of this.o.phases.entries()) await this.runPhase(phase, index);
      await this.sampleNow();
    } catch (error) {
      if (!this.signal.aborted) throw error;
      interrupted = true;
    } finally {
      this.ledger.end(Date.now());
      await this.shutdown();
    }
    return this.report(interrupted);
  }

  /** SIGKILLs every child still running, synchronously (fatal errors, process exit). */
  killAllNow(): void {
    this.group.killAllNow();
  }

  private async startUp(): Promise<void> {
    this.event("starting the control plane, three user-service instances and the order service");
    const cluster = await this.abortable(
      startCluster(this.group, { logDir: this.o.logDir, leaseTtlMs: this.o.leaseTtlMs }),
    );
    this.cluster = cluster;
    this.watch = new OrderServiceWatch(cluster.order.statsUrl, SERVICE, GET_USER_METHOD, (id) =>
      this.nameOf(id),
    );
    this.event(
      `control plane on ${cluster.controlPlane.address} (${cluster.controlPlane.store} store); logs in ${this.o.logDir}`,
    );
    this.admin = await ReflectedClient.connect(cluster.controlPlane.address, "switchboard.v1.Admin");
    this.startLoad(cluster.order.address);
    await this.watch.untilServing(cluster.users.length, this.signal);
    this.phasesStartedAt = Date.now();
    this.nextTickAt = this.phasesStartedAt + 1000;
  }

  /** PlaceOrder calls straight to the order service; every result counts in its phase and in the last second. */
  private startLoad(orderAddress: string): void {
    this.orderClient = new OrderServiceClient(orderAddress, credentials.createInsecure());
    this.load = new LoadGenerator({
      target: placeOrderTarget(this.orderClient, Math.random, CANARY_SHARE),
      concurrency: this.o.concurrency,
      ratePerSecond: this.o.ratePerSecond,
      deadlineMs: 2000,
      onResult: (r) => {
        this.ledger.recordCall(r);
        this.lastSecond.record(r);
        if (r.canary) this.lastSecondCanary.record(r);
      },
    });
    this.load.start();
    this.event(
      `load: ${this.o.ratePerSecond} PlaceOrder calls/s from ${this.o.concurrency} workers to order-1 (${orderAddress})`,
    );
  }

  private async runPhase(phase: Phase, index: number): Promise<void> {
    if (phase.prepare) await this.abortable(phase.prepare(this.context(0, 0)));
    const policyVersion = phase.policy ? await this.abortable(this.setPolicy(phase.policy)) : 0;
    const routeVersion = phase.routes ? await this.abortable(this.setRoutes(phase.routes)) : 0;
    await this.sampleNow();
    const startedAt = Date.now();
    this.phaseIndex = index;
    this.ledger.begin(phase.key, phase.title, startedAt);
    this.event(`Phase ${index + 1}/${this.o.phases.length}: ${phase.title}`);
    await this.abortable((this.load as LoadGenerator).settled(startedAt));
    const ctx = this.context(policyVersion, routeVersion);
    await this.abortable(phase.enter(ctx));
    const midway = phase.midway;
    if (midway) {
      await this.ticksUntil(startedAt + this.o.phaseMs / 2);
      await this.abortable(midway.call(phase, ctx));
    }
    await this.ticksUntil(startedAt + this.o.phaseMs);
  }

  private async ticksUntil(at: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now >= at) return;
      await sleep(Math.min(at, this.nextTickAt) - now, undefined, { signal: this.signal });
      if (Date.now() < this.nextTickAt) continue;
      // Once a second; after a stall, start again from now rather than catching up in a burst.
      this.nextTickAt = Math.max(this.nextTickAt + 1000, Date.now() + 500);
      await this.sampleNow();
      this.out.frame(this.viewModel(), Date.now() - this.createdAt);
      this.lastSecond = new CallTally();
      this.lastSecondCanary = new CallTally();
    }
  }

  /** Reads the order service's mesh stats: attempts go to the current phase, changes become events. */
  private async sampleNow(): Promise<void> {
    try {
      const { sample, changes } = await (this.watch as OrderServiceWatch).next();
      this.ledger.recordAttempts(sample.endpoints);
      for (const change of changes) this.event(change);
    } catch (error) {
      this.event(`order service stats unavailable: ${(error as Error).message}`);
    }
  }

  private context(policyVersion: number, routeVersion: number): PhaseContext {
    const cluster = this.cluster as Cluster;
    const find = (role: string) => cluster.users.find((u) => u.role === role) as UserInstance;
    return {
      leaseTtlMs: this.o.leaseTtlMs,
      policyVersion,
      routeVersion,
      instance: find,
      alive: () => cluster.users.filter((u) => u.child.running),
      kill: async (instance) => {
        instance.child.signal("SIGKILL");
        await instance.child.exited;
      },
      command: (instance, line) => instance.child.write(line),
      recentShare: (instance) => (this.watch as OrderServiceWatch).recentShare(instance.address),
      announce: (lines) => {
        this.banner = [...lines];
        for (const line of lines) this.event(line);
      },
      setRoutes: (routes) => this.setRoutes(routes),
      startCanaries: async () => {
        const watch = this.watch as OrderServiceWatch;
        // The breaker phase's ejections of the v1 instances that do not fail end first: once the
        // canaries join, outlier detection may eject more endpoints at once, and a subset whose
        // endpoints are all ejected falls back to the whole service, v2 included.
        const sound = cluster.users.filter((u) => u.child.running && u.failureRate === 0);
        await watch.untilInRotation(
          sound.map((u) => u.address),
          this.signal,
        );
        const started = await startCanaries(this.group, cluster, {
          logDir: this.o.logDir,
          leaseTtlMs: this.o.leaseTtlMs,
        });
        await watch.untilServing(cluster.users.filter((u) => u.child.running).length, this.signal);
        return started;
      },
    };
  }

  private async setRoutes(routes: JsonObject): Promise<number> {
    const cluster = this.cluster as Cluster;
    const request = { service: SERVICE, routes };
    const reply = (await (this.admin as ReflectedClient).call("SetRoutes", request)) as { version?: string };
    const version = Number(reply.version ?? 0);
    this.event(
      `$ ${grpcurlCommand(cluster.controlPlane.address, "switchboard.v1.Admin/SetRoutes", request)}`,
    );
    await (this.watch as OrderServiceWatch).untilVersion(version, this.signal);
    this.routeText = describeRoutes(routes);
    return version;
  }

  private async setPolicy(policy: JsonObject): Promise<number> {
    const cluster = this.cluster as Cluster;
    const request = { service: SERVICE, policy };
    const reply = (await (this.admin as ReflectedClient).call("SetPolicy", request)) as { version?: string };
    const version = Number(reply.version ?? 0);
    this.event(
      `$ ${grpcurlCommand(cluster.controlPlane.address, "switchboard.v1.Admin/SetPolicy", request)}`,
    );
    await (this.watch as OrderServiceWatch).untilVersion(version, this.signal);
    return version;
  }

  private nameOf(id: string): string {
    return this.cluster?.users.find((u) => u.address === id)?.name ?? id;
  }

  private event(text: string): void {
    this.out.event(Date.now() - this.createdAt, text);
    this.events = [...this.events, `${new Date().toTimeString().slice(0, 8)}  ${text}`].slice(-MAX_EVENTS);
  }

  private viewModel(): ViewModel {
    const cluster = this.cluster as Cluster;
    const sample = (this.watch as OrderServiceWatch).sample;
    const phase = this.ledger.current?.tally;
    const instances = cluster.users.map((u) => ({
      name: u.name,
      role: u.role,
      version: u.version,
      address: u.address,
      process: processState(u.child.running, u.child.exitStatus),
    }));
    const rows = instanceRows(instances, sample, this.lastSecond.snapshot());
    return {
      elapsedMs: Date.now() - this.phasesStartedAt,
      totalMs: this.o.phaseMs * this.o.phases.length,
      phaseIndex: this.phaseIndex,
      phaseCount: this.o.phases.length,
      phaseTitle: this.o.phases[this.phaseIndex]?.title ?? "",
      controlPlane: cluster.controlPlane.address,
      store: cluster.controlPlane.store,
      banner: this.banner,
      rows,
      routes: this.routeText,
      versionShares: sharesByVersion(rows),
      canaryLastSecond: canaryLanding(this.lastSecondCanary.snapshot(), instances),
      lastSecond: this.lastSecond.snapshot(),
      phaseCalls: phase?.calls ?? 0,
      phaseFailed: phase ? phase.snapshot().failed : 0,
      loadBalancing: sample.loadBalancing,
      version: sample.version,
      breaker: sample.breaker,
      events: this.events,
    };
  }

  private abortable<T>(work: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.signal.reason);
      this.signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => this.signal.removeEventListener("abort", onAbort));
    });
  }

  private async shutdown(): Promise<void> {
    this.event("stopping: load, then the order service, the user services, the control plane");
    await this.load?.stop();
    this.orderClient?.close();
    this.admin?.close();
    await stopCluster(this.group, this.cluster, STOP_GRACE_MS);
  }

  private report(interrupted: boolean): DemoReport {
    const cluster = this.cluster;
    const instances = (cluster?.users ?? []).map((u) => ({
      name: u.name,
      role: u.role,
      version: u.version,
      address: u.address,
    }));
    return {
      interrupted,
      controlPlane: cluster
        ? { address: cluster.controlPlane.address, store: cluster.controlPlane.store }
        : undefined,
      logDir: this.o.logDir,
      processes: this.group.all.map((c) => ({
        name: c.name,
        pid: c.pid,
        exit: processState(c.running, c.exitStatus),
      })),
      instances,
      phases: this.ledger.summaries(instances),
    };
  }
}
