/** Results on disk: one JSON file per benchmark, the source of BENCHMARKS.md. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchOutput, SizeLevel } from "../benches/types.js";
import type { MachineInfo } from "./machine.js";

export interface BenchRecord extends BenchOutput {
  readonly name: string;
  readonly title: string;
  readonly level: SizeLevel;
  /** The command line the run was started with. */
  readonly command: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: MachineInfo;
  /** Share of the machine's CPU that other processes used while the benchmark ran, %. */
  readonly foreignCpuPercent: number;
}

export function writeRecord(dir: string, record: BenchRecord): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.name}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

export function readRecords(dir: string): BenchRecord[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as BenchRecord);
}
