import { CLIENT_REPORT_LIMITS, type Clock } from "@switchboard/core";
import type { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { MeshStats } from "../client/stats.js";
import type { LatencyHistogram } from "../stats/latency-histogram.js";
import { buildClientReport, type ReportBaseline } from "./build-report.js";

export interface ClientReporterOptions {
  /** Every this many ms, a report of every subscribed service. */
  readonly intervalMs: number;
  readonly clock: Clock;
  /** The mesh client's `stats()`: the one source of every report. */
  readonly stats: () => MeshStats;
  /** Sends on the Discovery stream. */
  readonly send: (report: ClientReport) => void;
  /** A method's latency histogram, so each report's P50/P99 cover its own window. */
  readonly latency?: (service: string, method: string) => LatencyHistogram | undefined;
}

/**
 * Sends a report of each subscribed service on the Discovery stream every `intervalMs`, and soon
 * after a state change (an ejection, a breaker opening or closing): at most one such immediate
 * report per service per second, later changes coalesced into it. Nothing is sent while the
 * stream is down; the counts then carry over to the next report.
 */
export class ClientReporter {
  private readonly baselines = new Map<string, ReportBaseline>();
  private readonly lastImmediateMs = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly startedMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ClientReporterOptions) {
    this.startedMs = options.clock.now();
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.reportAll(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Something in `service` changed state: report it soon (coalesced, at most once a second). */
  stateChanged(service: string): void {
    if (this.stopped || this.pending.has(service)) return;
    const now = this.options.clock.now();
    const last = this.lastImmediateMs.get(service);
    const gap = CLIENT_REPORT_LIMITS.minImmediateGapMs;
    const waitMs = last === undefined ? 0 : Math.max(0, last + gap - now);
    const timer = setTimeout(() => {
      this.pending.delete(service);
      this.lastImmediateMs.set(service, this.options.clock.now());
      this.reportOne(service);
    }, waitMs);
    timer.unref();
    this.pending.set(service, timer);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private reportAll(): void {
    const stats = this.options.stats();
    if (!stats.connected) return;
    for (const service of Object.keys(stats.services)) this.send(service, stats);
  }

  private reportOne(service: string): void {
    const stats = this.options.stats();
    if (stats.connected && stats.services[service]) this.send(service, stats);
  }

  private send(service: string, all: MeshStats): void {
    const stats = all.services[service];
    if (!stats) return;
    const nowMs = this.options.clock.now();
    const { report, baseline } = buildClientReport({
      service,
      stats,
      routeVersion: stats.routeVersion,
      latency: (method) => this.options.latency?.(service, method),
      intervalMs: this.options.intervalMs,
      nowMs,
      previous: this.baselines.get(service) ?? {
        atMs: this.startedMs,
        endpoints: new Map(),
        methods: new Map(),
      },
    });
    this.baselines.set(service, baseline);
    this.options.send(report);
  }
}
