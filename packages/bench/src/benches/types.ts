/** What every benchmark is given and gives back. */

/** tiny: the CI smoke test; quick: `--quick`; full: `pnpm bench`. */
export type SizeLevel = "tiny" | "quick" | "full";

export interface BenchContext {
  readonly level: SizeLevel;
  /** Progress lines (stderr), not part of the results. */
  log(message: string): void;
  /** Node flags for the worker processes of the side being profiled (e.g. --cpu-prof). */
  readonly profileFlags: readonly string[];
}

export interface TargetCheck {
  readonly name: string;
  /** The target as the issue states it. */
  readonly target: string;
  /** The measured value, formatted. */
  readonly value: string;
  readonly met: boolean;
}

export interface BenchOutput {
  /** The Markdown table printed and stored. */
  readonly table: string;
  readonly targets: readonly TargetCheck[];
  /** Sizes and settings of this run. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Per-round data and summaries (machine-readable). */
  readonly data: unknown;
}

export interface Bench {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<BenchOutput>;
}

/** Picks the parameters for the run's size. */
export function sized<S extends Readonly<Record<SizeLevel, unknown>>>(
  level: SizeLevel,
  sizes: S,
): S[SizeLevel] {
  return sizes[level];
}
