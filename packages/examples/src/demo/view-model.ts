import type { JsonObject } from "@bufbuild/protobuf";
import type { TallySnapshot } from "../load-generator/call-tally.js";
import type { MeshSample } from "./mesh-sample.js";
import type { InstanceRow } from "./view.js";

export interface InstanceState {
  readonly name: string;
  readonly role: string;
  readonly version: string;
  readonly address: string;
  /** "running", or how the process ended. */
  readonly process: string;
}

/** The instance rows of the view from the last sample (share, health, ejection) and the last second's orders (latency). */
export function instanceRows(
  instances: readonly InstanceState[],
  sample: MeshSample,
  lastSecond: TallySnapshot,
): InstanceRow[] {
  let total = 0;
  for (const e of sample.endpoints.values()) total += e.attempts;
  return instances.map((i) => {
    const e = sample.endpoints.get(i.address);
    const latency = lastSecond.byInstance[i.address];
    return {
      ...i,
      health: e?.health ?? (sample.version === 0 ? "-" : "removed"),
      ejected: e?.ejected ?? false,
      share: total === 0 ? null : (e?.attempts ?? 0) / total,
      successRate: e && e.attempts > 0 ? e.successes / e.attempts : null,
      p50Ms: latency?.p50Ms ?? 0,
      p99Ms: latency?.p99Ms ?? 0,
    };
  });
}

/** How a child process is shown: "running", "killed (SIGKILL)", "exited 0". */
export function processState(
  running: boolean,
  exit: { code: number | null; signal: string | null } | undefined,
): string {
  if (running || !exit) return "running";
  return exit.signal ? `killed (${exit.signal})` : `exited ${exit.code}`;
}

/** A route table (Admin.SetRoutes JSON) in words: "v1 90% · v2 10%; x-canary: 1 -> v2". */
export function describeRoutes(routes: JsonObject): string {
  const rules = (routes.rules ?? []) as JsonObject[];
  return rules
    .map((rule) => {
      const to = ((rule.destinations ?? []) as JsonObject[]).map((d) =>
        rule.match ? String(d.subset) : `${d.subset} ${d.weight}%`,
      );
      const headers = ((rule.match as JsonObject | undefined)?.headers ?? []) as JsonObject[];
      const when = headers.map((h) => `${h.name}: ${h.exact}`).join(", ");
      return when ? `${when} -> ${to.join(" · ")}` : to.join(" · ");
    })
    .join("; ");
}
