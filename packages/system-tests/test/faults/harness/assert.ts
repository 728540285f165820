/** Turns a scenario report into a node:test outcome: every expectation must hold. */
import assert from "node:assert/strict";
import type { ScenarioReport } from "./scenario.js";
import { details } from "./table.js";

export function assertScenarioPassed(report: ScenarioReport): void {
  const bad = report.expectations.filter((e) => !e.pass).map((e) => `${e.name}: ${e.detail}`);
  assert.deepEqual(bad, [], `${bad.join("\n")}\n\n${details([report])}`);
}
