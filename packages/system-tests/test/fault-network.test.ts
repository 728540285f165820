import { describe, it } from "node:test";
import { assertScenarioPassed } from "./faults/harness/assert.js";
import { runScenario } from "./faults/harness/scenario.js";
import { details } from "./faults/harness/table.js";
import { type NetworkFault, networkFault } from "./faults/scenarios/network-faults.js";

const CASES: ReadonlyArray<[NetworkFault, string]> = [
  [
    "redis-partition",
    "Redis black-holed: clients keep calling, registrations fail fast, changes flow after the heal",
  ],
  [
    "redis-one-way",
    "one replica deaf to Redis: it reports NOT_SERVING and refuses registrations, instances keep their leases through the other, its clients move to the other and get the changes made meanwhile",
  ],
  ["redis-slow", "a slow, thin Redis link: every change still propagates, within the measured bound"],
  [
    "client-partition",
    "client cut from the control plane: it keeps calling on its last state and catches up after",
  ],
  ["client-reset", "client connections reset mid-stream: it reconnects and catches up with no failed call"],
];

describe("network faults injected with Toxiproxy (short fault scenarios)", () => {
  for (const [fault, title] of CASES) {
    it(title, async (t) => {
      const report = await runScenario(networkFault(fault), "short", (line) => t.diagnostic(line));
      t.diagnostic(details([report]));
      assertScenarioPassed(report);
    });
  }
});
