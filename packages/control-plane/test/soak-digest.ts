/** What a subscriber's view of a service boils down to; the soak compares it with the store's. */
import { createHash } from "node:crypto";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { Endpoint } from "@switchboard/core/gen/switchboard/v1/types.js";

export function viewDigest(
  version: number,
  endpoints: Iterable<Endpoint>,
  policy: Policy | undefined,
): string {
  const rows = [...endpoints]
    .map((e) => {
      const metadata = JSON.stringify(Object.entries(e.metadata).sort());
      return `${e.id}|${e.health}|${e.weight}|${e.zone}|${e.adminDrained}|${metadata}`;
    })
    .sort();
  const p = policy ? JSON.stringify(Policy.toJSON(policy)) : "-";
  return `${version}:${createHash("sha1")
    .update(`${rows.join("\n")}\n${p}`)
    .digest("hex")
    .slice(0, 16)}`;
}
