import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PLAIN } from "../src/demo/ansi.js";
import type { MeshSample } from "../src/demo/mesh-sample.js";
import { canaryRoutes } from "../src/demo/routes.js";
import { renderFrame, renderTickLine, type ViewModel } from "../src/demo/view.js";
import { describeRoutes, instanceRows, processState } from "../src/demo/view-model.js";
import { CallTally } from "../src/load-generator/call-tally.js";

const instances = [
  { name: "user-1", role: "healthy", version: "v1", address: "h:1", process: "running" },
  { name: "user-2", role: "slow", version: "v1", address: "s:1", process: "killed (SIGKILL)" },
];

function sample(): MeshSample {
  return {
    connected: true,
    version: 5,
    loadBalancing: "peak_ewma",
    breaker: "open",
    endpoints: new Map([
      ["h:1", { id: "h:1", health: "SERVING", ejected: true, attempts: 30, successes: 27 }],
    ]),
  };
}

describe("the live view", () => {
  it("builds rows from the mesh sample: share, success, ejection, and 'removed' once the registry dropped it", () => {
    const tally = new CallTally();
    tally.record({ startedAt: 0, latencyMs: 3, code: 0, details: "", servedBy: "h:1" });
    const [healthy, slow] = instanceRows(instances, sample(), tally.snapshot());
    assert.equal(healthy?.share, 1);
    assert.equal(healthy?.successRate, 0.9);
    assert.equal(healthy?.ejected, true);
    assert.equal(slow?.health, "removed");
    assert.equal(slow?.share, 0);
    assert.equal(slow?.successRate, null);
  });

  it("renders the phase, what just happened, every instance and the breaker", () => {
    const lastSecond = new CallTally().snapshot();
    const model: ViewModel = {
      elapsedMs: 12_000,
      totalMs: 80_000,
      phaseIndex: 1,
      phaseCount: 4,
      phaseTitle: "peak_ewma + outlier detection + retries",
      controlPlane: "127.0.0.1:7400",
      store: "memory",
      banner: ["Admin.SetPolicy(user-service) -> v5: peak_ewma"],
      rows: instanceRows(instances, sample(), lastSecond),
      routes: describeRoutes(canaryRoutes(10)),
      versionShares: { v1: 0.9, v2: 0.1 },
      canaryLastSecond: { calls: 7, failed: 0, byVersion: { v2: 7 } },
      lastSecond,
      phaseCalls: 10,
      phaseFailed: 0,
      loadBalancing: "peak_ewma",
      version: 5,
      breaker: "open",
      events: ["12:00:00  user-1 ejected by outlier detection (its breaker opened)"],
    };
    const text = renderFrame(model, PLAIN).join("\n");
    assert.match(text, /Phase 2\/4: peak_ewma \+ outlier detection \+ retries/);
    assert.match(text, /12 s \/ 80 s/);
    assert.match(text, /user-1\s+healthy\s+v1\s+h:1\s+running\s+SERVING\s+EJECTED/);
    assert.match(text, /user-2\s+slow\s+v1\s+s:1\s+killed \(SIGKILL\)\s+removed/);
    assert.match(
      text,
      /routes: x-canary: 1 -> v2; v1 90% · v2 10% · by version: v1 90% · v2 10% · x-canary orders: 7 \(7 on v2\)/,
    );
    assert.match(text, /GetUser breaker: OPEN \(failing fast\)/);
    assert.match(text, /user-1 ejected by outlier detection/);
    assert.match(renderTickLine(model), /user-1 100% ejected, user-2 0%/);
  });

  it("shows how a process ended", () => {
    assert.equal(processState(true, undefined), "running");
    assert.equal(processState(false, { code: null, signal: "SIGKILL" }), "killed (SIGKILL)");
    assert.equal(processState(false, { code: 0, signal: null }), "exited 0");
  });
});
