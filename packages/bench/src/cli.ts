#!/usr/bin/env node
/**
 * `pnpm bench [name ...] [--quick]`: runs the benchmarks, prints each one's Markdown table and
 * writes its JSON results; `--write-report` turns the JSON results into BENCHMARKS.md.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCHES } from "./benches/index.js";
import type { Bench, BenchContext } from "./benches/types.js";
import { type CliArgs, parseArgs, usage } from "./lib/args.js";
import { verdict } from "./lib/format.js";
import { machineInfo } from "./lib/machine.js";
import { foreignPercent, loadSnapshot, waitQuiet } from "./lib/machine-load.js";
import { type BenchRecord, readRecords, writeRecord } from "./lib/results.js";
import { renderReport } from "./report/render.js";

const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
const REPO_ROOT = resolve(PACKAGE_ROOT, "..", "..");
/** The results of the last full run, committed beside BENCHMARKS.md (one file per benchmark). */
const COMMITTED_RESULTS = resolve(PACKAGE_ROOT, "results");

/** Full runs write the committed results; smaller ones a directory of their own (not committed),
 * so that a quick run never stands in for a full one. */
function resultsDirOf(args: CliArgs): string {
  if (args.resultsDir) return resolve(args.resultsDir);
  return args.level === "full" ? COMMITTED_RESULTS : resolve(COMMITTED_RESULTS, args.level);
}

function selected(names: readonly string[]): Bench[] {
  if (names.length === 0) return [...BENCHES];
  return names.map((n) => {
    const bench = BENCHES.find((b) => b.name === n);
    if (!bench) throw new Error(`no benchmark named "${n}" (${BENCHES.map((b) => b.name).join(", ")})`);
    return bench;
  });
}

function printRecord(record: BenchRecord): void {
  const lines = [`## ${record.title} (${record.name})`, "", record.table, ""];
  for (const t of record.targets)
    lines.push(`- ${t.name}: ${t.value} — target ${t.target}: ${verdict(t.met)}`);
  process.stdout.write(`${lines.join("\n")}\n\n`);
}

async function runBenches(args: CliArgs): Promise<number> {
  const benches = selected(args.names);
  const resultsDir = resultsDirOf(args);
  const machine = machineInfo();
  const command = ["pnpm bench", ...process.argv.slice(2)].join(" ");
  const ctx: BenchContext = {
    level: args.level,
    log: (m) => process.stderr.write(`[bench] ${m}\n`),
    profileFlags: args.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${resolve(args.cpuProfDir)}`] : [],
  };
  let failed = 0;
  for (const bench of benches) {
    if (args.waitQuietSec > 0) await waitQuiet(args.waitQuietSec * 1000, 10, ctx.log);
    const started = Date.now();
    const load0 = loadSnapshot();
    ctx.log(`${bench.name}: starting (${args.level})`);
    try {
      const out = await bench.run(ctx);
      const record: BenchRecord = {
        name: bench.name,
        title: bench.title,
        level: args.level,
        command,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        machine,
        foreignCpuPercent: Math.round(foreignPercent(load0, loadSnapshot()) * 10) / 10,
        ...out,
      };
      writeRecord(resultsDir, record);
      printRecord(record);
      ctx.log(`${bench.name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (e) {
      failed++;
      process.stderr.write(
        `[bench] ${bench.name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}

function writeReport(args: CliArgs): number {
  const resultsDir = resolve(args.resultsDir ?? COMMITTED_RESULTS);
  const records = readRecords(resultsDir);
  const file = resolve(args.reportFile ?? resolve(REPO_ROOT, "BENCHMARKS.md"));
  writeFileSync(file, renderReport(records, BENCHES));
  process.stderr.write(`[bench] wrote ${file} from ${records.length} result files in ${resultsDir}\n`);
  return 0;
}

async function main(): Promise<number> {
  const names = BENCHES.map((b) => b.name);
  const args = parseArgs(process.argv.slice(2), names);
  if (args.help) {
    process.stdout.write(`${usage(names)}\n`);
    return 0;
  }
  return args.writeReport ? writeReport(args) : runBenches(args);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
