import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { replicaFailover } from "./faults/scenarios/replica-failover.js";

describe("one of two control-plane replicas SIGKILLed (short fault scenario)", () => {
  it("moves clients and instances to the other replica with no failed call and no lapsed lease", async (t) => {
    const report = await runScenario(replicaFailover, "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });
});
