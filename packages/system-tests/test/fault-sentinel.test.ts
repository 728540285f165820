import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { sentinelFailover } from "./faults/scenarios/sentinel-failover.js";

describe("the Redis master under Sentinel (short fault scenarios)", () => {
  it("SIGKILLed: no failed call, every instance on the new master, versions never go back", async (t) => {
    const report = await runScenario(sentinelFailover("kill"), "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });

  it("frozen with SIGSTOP: the same, and the old master rejoins as a replica", async (t) => {
    const report = await runScenario(sentinelFailover("freeze"), "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });
});
