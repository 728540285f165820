import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Child, ChildTracker } from "@switchboard/control-plane/testing";
import type { DemoReport } from "../src/demo/demo.js";
import type { PhaseSummary } from "../src/demo/summary.js";

// The built demo, as `pnpm demo` runs it (`pnpm build` has run before the tests).
const CLI = fileURLToPath(new URL("../dist/demo/cli.js", import.meta.url));

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function phase(report: DemoReport, key: string): PhaseSummary {
  const found = report.phases.find((p) => p.key === key);
  assert.ok(found, `no phase "${key}" in ${report.phases.map((p) => p.key)}`);
  return found;
}

function share(report: DemoReport, key: string, role: string): number {
  const instance = phase(report, key).instances.find((i) => i.role === role);
  assert.ok(instance, `no ${role} instance in phase ${key}`);
  return instance.share;
}

describe("pnpm demo --duration 20", () => {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-demo-test-"));
  let demo: Child | undefined;

  after(async () => {
    // Only if the test failed half-way: the demo's own Ctrl-C path stops its children.
    if (demo?.signal("SIGINT")) await demo.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 0, leaves no process behind, and its summary shows the mesh at work", async () => {
    const json = join(dir, "summary.json");
    demo = await new ChildTracker().spawnNode("demo", [
      ...[CLI, "--duration", "20", "--json", json, "--logs", join(dir, "logs")],
    ]);
    const { code } = await demo.exited;
    await demo.outputClosed;
    const output = `${demo.lines.join("\n")}\n${demo.stderr}`;
    assert.equal(code, 0, output.slice(-3000));
    assert.match(output, /Summary per phase/);

    const report = JSON.parse(readFileSync(json, "utf8")) as DemoReport;
    assert.equal(report.interrupted, false);
    assert.equal(report.processes.length, 5, "control plane, three user services, order service");
    for (const p of report.processes)
      assert.equal(isRunning(p.pid), false, `${p.name} (pid ${p.pid}) is still running`);

    const slowUnderRoundRobin = share(report, "round-robin", "slow");
    const slowUnderPeakEwma = share(report, "peak-ewma", "slow");
    assert.ok(slowUnderRoundRobin > 0.25, `round_robin gave the slow instance ${slowUnderRoundRobin}`);
    assert.ok(
      slowUnderPeakEwma < slowUnderRoundRobin,
      `slow share: ${slowUnderPeakEwma} (peak_ewma) vs ${slowUnderRoundRobin} (round_robin)`,
    );

    const kill = phase(report, "kill");
    assert.ok(kill.calls > 100, `only ${kill.calls} calls while the instance was killed`);
    assert.equal(
      kill.failed,
      0,
      `failed calls while the instance was killed: ${kill.failureSamples.join("; ")}`,
    );
    assert.ok(
      phase(report, "round-robin").failed > 0,
      "round_robin without retries should let the flaky instance's failures through",
    );
    assert.ok(phase(report, "breaker").breakerRejected > 0, "the GetUser breaker never failed a call fast");
  });
});
