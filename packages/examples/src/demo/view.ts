import type { TallySnapshot } from "../load-generator/call-tally.js";
import type { Palette } from "./ansi.js";
import type { CanaryLanding } from "./summary.js";
import { formatTable, ms, percent } from "./table.js";

export interface InstanceRow {
  readonly name: string;
  readonly role: string;
  /** Its `version` metadata. */
  readonly version: string;
  readonly address: string;
  /** "running", or how it ended ("killed", "exited 0"). */
  readonly process: string;
  /** As the control plane reports it to the order service's mesh client, or "removed". */
  readonly health: string;
  readonly ejected: boolean;
  /** Share of the attempts in the last second; null when there were none at all. */
  readonly share: number | null;
  readonly successRate: number | null;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface ViewModel {
  readonly elapsedMs: number;
  readonly totalMs: number;
  readonly phaseIndex: number;
  readonly phaseCount: number;
  readonly phaseTitle: string;
  readonly controlPlane: string;
  readonly store: string;
  /** What just happened (the last announcement). */
  readonly banner: readonly string[];
  readonly rows: readonly InstanceRow[];
  /** The user service's route table in words ("" without one). */
  readonly routes: string;
  /** Share of the last second's attempts by version. */
  readonly versionShares: Readonly<Record<string, number>>;
  /** The last second's orders marked `x-canary: 1`, and where they landed. */
  readonly canaryLastSecond: CanaryLanding;
  /** The orders of the last second. */
  readonly lastSecond: TallySnapshot;
  /** Orders since the phase began. */
  readonly phaseCalls: number;
  readonly phaseFailed: number;
  readonly loadBalancing: string;
  readonly version: number;
  readonly breaker: string;
  /** Recent events, oldest first. */
  readonly events: readonly string[];
}

const BAR_WIDTH = 20;

function bar(share: number | null, p: Palette): string {
  const filled = Math.round((share ?? 0) * BAR_WIDTH);
  return p.cyan("█".repeat(filled)) + p.dim("·".repeat(BAR_WIDTH - filled));
}

function healthCell(row: InstanceRow, p: Palette): string {
  if (row.health === "SERVING") return p.green(row.health);
  if (row.health === "removed") return p.dim(row.health);
  return p.yellow(row.health);
}

function rowCells(row: InstanceRow, p: Palette): string[] {
  const rate = row.successRate;
  const rateText = percent(rate);
  return [
    p.bold(row.name),
    row.role,
    row.version,
    row.address,
    row.process === "running" ? row.process : p.red(row.process),
    healthCell(row, p),
    row.ejected ? p.red("EJECTED") : p.dim("in rotation"),
    `${bar(row.share, p)} ${percent(row.share, 0).padStart(4)}`,
    rate === null ? p.dim(rateText) : rate < 0.99 ? p.red(rateText) : p.green(rateText),
    ms(row.p50Ms),
    ms(row.p99Ms),
  ];
}

/** The instance table of the live view. */
export function instanceTable(rows: readonly InstanceRow[], p: Palette): string[] {
  return formatTable(
    [
      { header: "instance" },
      { header: "role" },
      { header: "version" },
      { header: "address" },
      { header: "process" },
      { header: "health" },
      { header: "ejection" },
      { header: "share of traffic" },
      { header: "success", align: "right" },
      { header: "p50 ms", align: "right" },
      { header: "p99 ms", align: "right" },
    ],
    rows.map((r) => rowCells(r, p)),
  );
}

function breakerCell(state: string, p: Palette): string {
  if (state === "open") return p.red("OPEN (failing fast)");
  if (state === "half_open") return p.yellow("HALF-OPEN (probing)");
  if (state === "closed") return p.green("closed");
  return p.dim(state === "disabled" ? "off (none in the policy)" : "no calls yet");
}

function ordersLine(m: ViewModel, p: Palette): string {
  const s = m.lastSecond;
  const failed = s.failed === 0 ? p.green("0 failed") : p.red(`${s.failed} failed`);
  const fast = s.breakerRejected > 0 ? ` (${s.breakerRejected} by the breaker)` : "";
  const phase = `this phase: ${m.phaseCalls} orders, ${m.phaseFailed === 0 ? p.green("0 failed") : p.red(`${m.phaseFailed} failed`)}`;
  return `orders last second: ${s.calls}, ${failed}${fast}, p50 ${ms(s.p50Ms)} ms, p99 ${ms(s.p99Ms)} ms   ${phase}`;
}

/** "v1 52% · v2 48%". */
function versionText(shares: Readonly<Record<string, number>>): string {
  return Object.entries(shares)
    .map(([version, share]) => `${version} ${percent(share, 0)}`)
    .join(" · ");
}

function canaryText(c: CanaryLanding): string {
  const landed = Object.entries(c.byVersion).map(([version, n]) => `${n} on ${version}`);
  return `x-canary orders: ${c.calls}${landed.length ? ` (${landed.join(", ")})` : ""}`;
}

/** The routing line: the table in force, the shares by version, where canary orders landed. */
function routesLine(m: ViewModel, p: Palette): string {
  return `routes: ${m.routes || p.dim("none (every call to the whole service)")} · by version: ${versionText(m.versionShares)} · ${canaryText(m.canaryLastSecond)}`;
}

/** One frame of the live view, as lines. */
export function renderFrame(m: ViewModel, p: Palette): string[] {
  const clock = `${(m.elapsedMs / 1000).toFixed(0)} s / ${(m.totalMs / 1000).toFixed(0)} s`;
  return [
    `${p.bold("Switchboard demo")}  ${p.dim(`control plane ${m.controlPlane} (${m.store} store) · ${clock} · Ctrl-C stops everything`)}`,
    "",
    p.bold(p.cyan(`Phase ${m.phaseIndex + 1}/${m.phaseCount}: ${m.phaseTitle}`)),
    ...m.banner.map((l) => `  ${l}`),
    "",
    ...instanceTable(m.rows, p),
    "",
    ordersLine(m, p),
    `user-service policy v${m.version}: ${m.loadBalancing || "-"} · GetUser breaker: ${breakerCell(m.breaker, p)}`,
    routesLine(m, p),
    "",
    p.bold("What happened"),
    ...m.events.map((e) => `  ${e}`),
  ];
}

/** The one-line status printed each second when the view is not redrawn. */
export function renderTickLine(m: ViewModel): string {
  const s = m.lastSecond;
  const shares = m.rows
    .map((r) => `${r.name} ${percent(r.share, 0)}${r.ejected ? " ejected" : ""}`)
    .join(", ");
  const breaker = m.breaker === "idle" ? "" : ` · breaker ${m.breaker}`;
  const routes = m.routes
    ? ` · by version ${versionText(m.versionShares)} · ${canaryText(m.canaryLastSecond)}`
    : "";
  return `orders ${s.calls}/s, ${s.failed} failed, p50 ${ms(s.p50Ms)} ms, p99 ${ms(s.p99Ms)} ms · ${m.loadBalancing} · ${shares}${breaker}${routes}`;
}
