#!/usr/bin/env node
/**
 * `pnpm demo`: the Switchboard mesh at work, in one command. See USAGE in options.ts.
 * Exit codes: 0 after a full run, 130 when stopped with Ctrl-C, 2 on bad flags, 1 on a failure.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { UsageError } from "../common/flags.js";
import { COLORS, PLAIN } from "./ansi.js";
import { Demo, type DemoReport } from "./demo.js";
import { formatSummary } from "./format-summary.js";
import { defaultLogDir, parseDemoCommandLine, USAGE } from "./options.js";
import { type DemoOutput, LiveView, PlainLog } from "./output.js";
import { demoPhases } from "./phases.js";

function parse() {
  try {
    return parseDemoCommandLine(process.argv.slice(2), process.stdout.isTTY === true);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

function printReport(report: DemoReport, jsonFile: string | undefined): void {
  const out = process.stdout;
  out.write(`\n${formatSummary(report.phases)}\n\n`);
  out.write(`Processes: ${report.processes.map((p) => `${p.name} (pid ${p.pid}, ${p.exit})`).join(", ")}\n`);
  out.write(`Logs: ${report.logDir}\n`);
  if (jsonFile) {
    writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    out.write(`Summary written to ${jsonFile}\n`);
  }
}

/**
 * Ctrl-C (or SIGTERM) stops the run cleanly; a second one, a fatal error or the process exiting
 * for any reason kills every child at once: no child outlives the demo.
 */
function guard(demo: Demo, output: DemoOutput, stop: AbortController): (error: unknown) => never {
  const fatal = (error: unknown): never => {
    output.close();
    demo.killAllNow();
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  };
  const interrupt = () => {
    if (!stop.signal.aborted) return stop.abort(new Error("interrupted"));
    output.close();
    demo.killAllNow();
    process.exit(130);
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  process.on("exit", () => demo.killAllNow());
  return fatal;
}

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const cmd = parse();
  const logDir = cmd.logDir ?? defaultLogDir();
  mkdirSync(logDir, { recursive: true });
  const output: DemoOutput = cmd.live
    ? new LiveView(process.stdout, process.env.NO_COLOR ? PLAIN : COLORS)
    : new PlainLog(process.stdout);
  const stop = new AbortController();
  const { phaseMs, ratePerSecond, concurrency } = cmd;
  const phases = demoPhases(phaseMs);
  const demo = new Demo(
    { phases, phaseMs, ratePerSecond, concurrency, leaseTtlMs: 2000, logDir },
    output,
    stop.signal,
  );
  const fatal = guard(demo, output, stop);
  try {
    const report = await demo.run();
    output.close();
    printReport(report, cmd.jsonFile);
    process.exitCode = report.interrupted ? 130 : 0;
  } catch (error) {
    fatal(error);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${String(error)}\n`);
  process.exit(1);
});
