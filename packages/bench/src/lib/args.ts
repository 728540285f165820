/** Command line of `pnpm bench`. */
import type { SizeLevel } from "../benches/types.js";

export interface CliArgs {
  readonly names: readonly string[];
  readonly level: SizeLevel;
  readonly resultsDir: string | undefined;
  readonly writeReport: boolean;
  readonly reportFile: string | undefined;
  /** Directory for .cpuprofile files of the profiled side; undefined: no profiling. */
  readonly cpuProfDir: string | undefined;
  /** Seconds to wait, before each benchmark, for other processes to quiet down. */
  readonly waitQuietSec: number;
  readonly help: boolean;
}

/** The help text, naming the benchmarks there are. */
export function usage(names: readonly string[]): string {
  return `Usage: pnpm bench [name ...] [flags]

Runs the benchmarks (all, or the ones named), prints a Markdown table for each and writes
its results to <results-dir>/<name>.json.

Names: ${names.join(", ")}

Flags:
  --quick               small sizes (the whole suite in under 8 minutes on 2 cores)
  --tiny                the smallest sizes (the CI smoke test)
  --results-dir <dir>   where the JSON results go (default: packages/bench/results for the
                        full sizes, the results committed beside BENCHMARKS.md;
                        packages/bench/results/quick or /tiny otherwise, not committed)
  --write-report        write BENCHMARKS.md from the JSON results (runs no benchmark)
  --report-file <file>  where --write-report writes (default BENCHMARKS.md at the repository root)
  --wait-quiet <s>      before each benchmark, wait up to <s> seconds for other processes to
                        use under 10 % of the machine's CPU
  --cpu-prof <dir>      profile the side under test (mesh client, control plane, micro) into <dir>
  --help                this text`;
}

export function parseArgs(argv: readonly string[], benchNames: readonly string[]): CliArgs {
  const names: string[] = [];
  let level: SizeLevel = "full";
  let resultsDir: string | undefined;
  let reportFile: string | undefined;
  let cpuProfDir: string | undefined;
  let waitQuietSec = 0;
  let writeReport = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") level = "quick";
    else if (a === "--tiny") level = "tiny";
    else if (a === "--results-dir") resultsDir = value();
    else if (a === "--report-file") reportFile = value();
    else if (a === "--cpu-prof") cpuProfDir = value();
    else if (a === "--wait-quiet") waitQuietSec = Number(value());
    else if (a === "--write-report") writeReport = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a === "--") continue;
    else if (a.startsWith("-")) throw new Error(`unknown flag ${a}\n\n${usage(benchNames)}`);
    else names.push(a);
  }
  if (!(waitQuietSec >= 0)) throw new Error("--wait-quiet needs a number of seconds");
  return { names, level, resultsDir, writeReport, reportFile, cpuProfDir, waitQuietSec, help };
}
