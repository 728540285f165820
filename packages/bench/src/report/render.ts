/** BENCHMARKS.md, generated from the JSON results: every number is read, none is typed. */
import type { Bench } from "../benches/types.js";
import { verdict } from "../lib/format.js";
import type { BenchRecord } from "../lib/results.js";
import { NOTES } from "./notes.js";

function machineSection(r: BenchRecord): string[] {
  const m = r.machine;
  return [
    "## Machine",
    "",
    `- CPU: ${m.cpus} × ${m.cpuModel}`,
    `- Memory: ${m.memoryGiB} GiB`,
    `- Node.js ${m.node}, Linux ${m.kernel}, redis-server ${m.redis}`,
    "",
  ];
}

function paramsLine(params: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => typeof v !== "object" || Array.isArray(v))
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(", ") : String(v)}`);
  return `Settings of this run: ${parts.join("; ")}.`;
}

function targetsTable(records: readonly BenchRecord[]): string[] {
  const lines = ["| benchmark | target | measured | |", "|---|---|---|---|"];
  for (const r of records) {
    for (const t of r.targets)
      lines.push(`| ${r.name}: ${t.name} | ${t.target} | ${t.value} | ${verdict(t.met)} |`);
  }
  return lines;
}

function benchSection(r: BenchRecord): string[] {
  const notes = NOTES[r.name];
  const when = `${r.startedAt}, ${(r.durationMs / 1000).toFixed(0)} s; other processes used ${r.foreignCpuPercent} % of the machine's CPU meanwhile`;
  const out = [`## ${r.title}`, "", `\`${r.command}\` — ${when}`, ""];
  if (notes) out.push(`**Method.** ${notes.method(r)}`, "", paramsLine(r.params), "");
  out.push(r.table, "");
  for (const t of r.targets) out.push(`- ${t.name}: ${t.value} — target ${t.target}: ${verdict(t.met)}`);
  out.push("");
  if (notes) out.push(`**What it means.** ${notes.meaning(r)}`, "");
  const missed = notes && r.targets.some((t) => !t.met) ? notes.whenMissed(r) : "";
  if (missed !== "") out.push(`**Missed target: cause and bound.** ${missed}`, "");
  return out;
}

export function renderReport(records: readonly BenchRecord[], order: readonly Bench[]): string {
  const sorted = order.flatMap((b) => records.filter((r) => r.name === b.name));
  const first = sorted[0];
  const lines = [
    "# Benchmarks",
    "",
    "What the mesh costs on the data path and how the control plane and the balancers behave,",
    "measured against the alternatives in the same run. This file is generated: `pnpm bench`",
    "runs the suite at full size and writes `packages/bench/results/<name>.json`, committed",
    "beside this file; `pnpm bench --write-report` writes this file from them, so every number",
    "here comes from a file in the repository. The tables are exactly as the run printed them.",
    "",
    "**How to read the numbers.** Clients, servers and the control plane run as separate",
    "processes. Rounds are interleaved (A B C D, then B C D A, …) so that drift on the machine",
    "hits every side alike. A cell is the median over rounds with the smallest and largest round",
    "in brackets; ratios and differences are taken within a round, then their median is shown.",
    "A target met or missed by less than its spread is not settled by the run. The machine is",
    "shared: above each table is the share of its CPU that other processes used meanwhile.",
    "",
  ];
  if (!first) return `${lines.join("\n")}\nNo results yet: run \`pnpm bench\`.\n`;
  lines.push(...machineSection(first));
  const commands = [...new Set(sorted.map((r) => r.command))];
  lines.push(
    "## Command",
    "",
    ...commands.map((c) => `    ${c}`),
    "",
    `Size: ${[...new Set(sorted.map((r) => r.level))].join(", ")}.`,
    "",
  );
  lines.push("## Targets", "", ...targetsTable(sorted), "");
  for (const r of sorted) lines.push(...benchSection(r));
  return `${lines.join("\n")}`;
}
