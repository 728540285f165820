import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { instanceFreeze } from "./faults/scenarios/instance-freeze.js";

describe("an instance frozen with SIGSTOP, then SIGCONT (short fault scenario)", () => {
  it("retries the calls caught by the freeze once keepalive gives up, and takes the instance back after SIGCONT", async (t) => {
    const report = await runScenario(instanceFreeze, "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });
});
