/**
 * What a fault scenario is and what it reports, and the runner that bounds it in time and
 * always cleans up (children killed by pid, clients closed) however it ends.
 */
import { ChildTracker } from "@switchboard/control-plane/testing";

/** "short": seconds, part of `pnpm test`; "full": the durations the issue names. */
export type Mode = "short" | "full";

export interface Expectation {
  readonly name: string;
  readonly pass: boolean;
  /** What was measured against what was expected. */
  readonly detail: string;
}

export interface ScenarioReport {
  readonly id: string;
  readonly title: string;
  readonly mode: Mode;
  /** Calls the load made (undefined: the scenario puts no load on the mesh). */
  readonly calls: number | undefined;
  /** Calls that failed as the application saw them (after the SDK's retries). */
  readonly failedCalls: number | undefined;
  readonly failureSample: readonly string[];
  /** Instances alive at the end but missing from the registry (or never back after the fault). */
  readonly lostRegistrations: number | undefined;
  /** From the fault (or its end, see `recoveryMeaning`) until the mesh is whole again, ms. */
  readonly recoveryMs: number | undefined;
  readonly recoveryMeaning: string;
  /** Other measured figures, printed under the table. */
  readonly measured: Readonly<Record<string, string | number>>;
  readonly expectations: readonly Expectation[];
  readonly durationMs: number;
}

export interface ScenarioContext {
  readonly mode: Mode;
  readonly children: ChildTracker;
  /** Runs `fn` at cleanup (last registered, first run), whether the scenario passed or not. */
  defer(fn: () => unknown): void;
  /** Progress line (stderr), prefixed with the scenario id. */
  log(message: string): void;
}

export type ScenarioOutcome = Omit<ScenarioReport, "id" | "title" | "mode" | "durationMs">;

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** The scenario is failed (and cleaned up) if it takes longer than this. */
  timeLimitMs(mode: Mode): number;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

export function expectation(name: string, pass: boolean, detail: string): Expectation {
  return { name, pass, detail };
}

/** `actual <= bound`, with the numbers in the detail. */
export function atMost(name: string, actual: number | undefined, bound: number, unit = "ms"): Expectation {
  const pass = actual !== undefined && actual <= bound;
  const shown = actual === undefined ? "never" : `${Math.round(actual)} ${unit}`;
  return expectation(name, pass, `${shown} (bound ${bound} ${unit})`);
}

function failedReport(s: Scenario, mode: Mode, startedMs: number, error: unknown): ScenarioReport {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id: s.id,
    title: s.title,
    mode,
    calls: undefined,
    failedCalls: undefined,
    failureSample: [],
    lostRegistrations: undefined,
    recoveryMs: undefined,
    recoveryMeaning: "",
    measured: {},
    expectations: [expectation("scenario completes", false, message)],
    durationMs: Date.now() - startedMs,
  };
}

/** Runs one scenario within its time limit; never throws. */
export async function runScenario(
  scenario: Scenario,
  mode: Mode,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<ScenarioReport> {
  const children = new ChildTracker();
  const deferred: (() => unknown)[] = [];
  const ctx: ScenarioContext = {
    mode,
    children,
    defer: (fn) => deferred.push(fn),
    log: (message) => log(`[${scenario.id}] ${message}`),
  };
  const started = Date.now();
  const limit = scenario.timeLimitMs(mode);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${limit} ms`)), limit);
  });
  let report: ScenarioReport;
  try {
    const outcome = await Promise.race([scenario.run(ctx), timeout]);
    report = { id: scenario.id, title: scenario.title, mode, ...outcome, durationMs: Date.now() - started };
  } catch (error) {
    report = failedReport(scenario, mode, started, error);
  } finally {
    clearTimeout(timer);
  }
  for (const fn of deferred.reverse()) {
    try {
      await fn();
    } catch (error) {
      ctx.log(`cleanup step failed: ${String(error)}`);
    }
  }
  await children.killAll();
  return report;
}

export function passed(report: ScenarioReport): boolean {
  return report.expectations.every((e) => e.pass);
}
