import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { stuckSubscriber } from "./faults/scenarios/stuck-subscriber.js";

describe("a subscriber that stops reading its stream (short fault scenario)", () => {
  it("holds nobody up, buffers nothing for it, and gives it the latest state when it reads again", async (t) => {
    const report = await runScenario(stuckSubscriber, "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });
});
