/** The fault suite's report: one table row per scenario, then every expectation and figure. */
import { passed, type ScenarioReport } from "./scenario.js";

const show = (v: number | undefined): string => (v === undefined ? "-" : String(Math.round(v)));

function columns(r: ScenarioReport): string[] {
  return [
    r.id,
    show(r.calls),
    show(r.failedCalls),
    show(r.lostRegistrations),
    show(r.recoveryMs),
    passed(r) ? "pass" : "FAIL",
  ];
}

const HEADER = ["scenario", "calls", "failed calls", "lost registrations", "recovery ms", "result"];

/** A Markdown table (it reads as a table in a terminal too). */
export function summaryTable(reports: readonly ScenarioReport[]): string {
  const rows = [HEADER, ...reports.map(columns)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join("\n");
}

/** Per scenario: what recovery means, the expectations with their numbers, other figures. */
export function details(reports: readonly ScenarioReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(`- **${r.id}** (${r.title}; ${r.mode}, ${(r.durationMs / 1000).toFixed(1)} s)`);
    if (r.recoveryMeaning) out.push(`  - recovery: ${r.recoveryMeaning}`);
    for (const e of r.expectations) {
      const verdict = e.pass ? "pass" : "FAIL";
      out.push(`  - ${verdict}: ${e.name}: ${e.detail}`);
    }
    const figures = Object.entries(r.measured).map(([k, v]) => `${k} ${v}`);
    if (figures.length > 0) out.push(`  - measured: ${figures.join("; ")}`);
    for (const f of r.failureSample) out.push(`  - failed call: ${f}`);
  }
  return out.join("\n");
}
