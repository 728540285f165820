/**
 * A short soak (20 s, 200 subscribers in two processes) as part of `pnpm test`; the 10-minute
 * one with 1,000 subscribers is `node --conditions=source --import tsx
 * packages/control-plane/test/soak.ts --minutes 10`. RSS is judged as in the long run (the last
 * window within 10% of the mid-run one); event-loop lag, whose 4-second windows are noisy on a
 * shared machine, within 100% or 50 ms.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runSoak, soakSummary } from "./soak.js";

describe("a short soak under churn", () => {
  it("keeps every subscriber's view equal to the store, with flat memory and event-loop lag", async (t) => {
    const report = await runSoak({
      durationMs: 20_000,
      subscribers: 200,
      processes: 2,
      rate: 25,
      rssTolerance: 0.1,
      lagTolerance: 1,
      lagFloorMs: 50,
      log: (line) => t.diagnostic(line),
    });
    t.diagnostic(soakSummary(report));
    const failed = report.checks.filter((c) => !c.pass).map((c) => `${c.name}: ${c.detail}`);
    assert.deepEqual(failed, []);
    assert.ok(Object.values(report.operations).reduce((a, b) => a + b, 0) > 200, "the churn ran");
  });
});
