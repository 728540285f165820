import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { redisLoss } from "./faults/scenarios/redis-loss.js";

describe("Redis restarted or flushed under load (short fault scenario)", () => {
  it("after a restart, instances register again and the registry converges to the live instances", async (t) => {
    const report = await runScenario(redisLoss("restart"), "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });

  it("after FLUSHALL, the same, in a new epoch, with the Redis state consistent", async (t) => {
    const report = await runScenario(redisLoss("flush"), "short", (line) => t.diagnostic(line));
    t.diagnostic(details([report]));
    assertScenarioPassed(report);
  });
});
