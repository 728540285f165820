import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { controlPlaneOutage } from "./faults/scenarios/control-plane-outage.js";

describe("the control plane stopped under load, then restarted (short fault scenario)", () => {
  it("with Redis: no failed call, every lease kept, clients resume from their versions in the same epoch", async (t) => {
    const report = await runScenario(controlPlaneOutage("redis"), "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });

  it("with the memory store: no failed call, instances register again and clients get a new epoch", async (t) => {
    const report = await runScenario(controlPlaneOutage("memory"), "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });
});
