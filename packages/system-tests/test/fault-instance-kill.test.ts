import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { instanceKill } from "./faults/scenarios/instance-kill.js";

describe("an instance SIGKILLed under load (short fault scenario)", () => {
  it("costs the caller no failed call and leaves the registry and the client within the lease TTL", async (t) => {
    const report = await runScenario(instanceKill, "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });
});
