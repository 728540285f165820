import type { EndpointHealth, EndpointStats, MeshStats } from "@switchboard/sdk";

/** Attempts an endpoint got, and how many succeeded, over some interval. */
export interface AttemptDelta {
  readonly attempts: number;
  readonly successes: number;
}

/**
 * Turns the cumulative per-endpoint attempt counters of `MeshStats` into counts since the
 * previous reading. An endpoint whose counters went down (its stats were reset) starts over.
 */
export class AttemptCounter {
  private readonly last = new Map<string, AttemptDelta>();

  delta(endpoints: readonly EndpointStats[]): Map<string, AttemptDelta> {
    const out = new Map<string, AttemptDelta>();
    for (const e of endpoints) {
      const now = { attempts: e.attempts.requests, successes: e.attempts.successes };
      const before = this.last.get(e.id) ?? { attempts: 0, successes: 0 };
      const reset = now.attempts < before.attempts || now.successes < before.successes;
      const base = reset ? { attempts: 0, successes: 0 } : before;
      out.set(e.id, { attempts: now.attempts - base.attempts, successes: now.successes - base.successes });
      this.last.set(e.id, now);
    }
    return out;
  }
}

/** One endpoint as the order service's mesh client sees it at a sample. */
export interface EndpointSample extends AttemptDelta {
  readonly id: string;
  readonly health: EndpointHealth;
  readonly ejected: boolean;
}

/** What the demo reads from the order service's mesh client once a second. */
export interface MeshSample {
  readonly connected: boolean;
  /** Version of the user service's state (endpoints + policy) the client runs on; 0 before any. */
  readonly version: number;
  readonly loadBalancing: string;
  /** State of the breaker guarding `method` ("disabled" without one, "idle" before its first call). */
  readonly breaker: string;
  /** Endpoints the client knows, by id ("host:port"). */
  readonly endpoints: ReadonlyMap<string, EndpointSample>;
}

/** Reads the sample of `service` (and the breaker of `method`) from a stats() snapshot. */
export function sampleOf(
  stats: MeshStats,
  service: string,
  method: string,
  counter: AttemptCounter,
): MeshSample {
  const s = stats.services[service];
  if (!s)
    return {
      connected: stats.connected,
      version: 0,
      loadBalancing: "",
      breaker: "idle",
      endpoints: new Map(),
    };
  const deltas = counter.delta(s.endpoints);
  const endpoints = new Map<string, EndpointSample>();
  for (const e of s.endpoints) {
    const d = deltas.get(e.id) ?? { attempts: 0, successes: 0 };
    endpoints.set(e.id, { id: e.id, health: e.health, ejected: e.ejected, ...d });
  }
  const breaker = s.methods[method]?.breakerState ?? "idle";
  return {
    connected: stats.connected,
    version: s.version,
    loadBalancing: s.loadBalancing,
    breaker,
    endpoints,
  };
}

/** GETs the order service's /stats (its mesh client's stats()). */
export async function fetchMeshStats(url: string, timeoutMs = 2000): Promise<MeshStats> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as MeshStats;
}

/**
 * What changed between two samples, in words: endpoints ejected or back in rotation, added to
 * or removed from the registry, health changes, breaker transitions. `nameOf` labels endpoints.
 */
export function describeChanges(
  before: MeshSample,
  after: MeshSample,
  nameOf: (id: string) => string,
): string[] {
  const out: string[] = [];
  // The first state is the starting point, not a change.
  if (before.version === 0) return out;
  for (const [id, e] of after.endpoints) {
    const was = before.endpoints.get(id);
    if (!was) {
      out.push(`${nameOf(id)} joined: the control plane lists it (${e.health})`);
      continue;
    }
    if (!was.ejected && e.ejected)
      out.push(`${nameOf(id)} ejected by outlier detection (its breaker opened)`);
    if (was.ejected && !e.ejected) out.push(`${nameOf(id)} back in rotation (probe succeeded)`);
    if (was.health !== e.health) out.push(`${nameOf(id)} is now ${e.health} (was ${was.health})`);
  }
  for (const id of before.endpoints.keys()) {
    if (!after.endpoints.has(id))
      out.push(`${nameOf(id)} removed from the registry: the control plane told every client`);
  }
  if (isBreakerTransition(before.breaker, after.breaker)) {
    out.push(`GetUser circuit breaker: ${before.breaker} -> ${after.breaker}${breakerNote(after.breaker)}`);
  }
  return out;
}

/** A breaker changing state (not merely appearing, closed, with a new policy). */
function isBreakerTransition(before: string, after: string): boolean {
  if (before === after || after === "idle" || after === "disabled") return false;
  return !(after === "closed" && (before === "idle" || before === "disabled"));
}

function breakerNote(state: string): string {
  if (state === "open") return " (calls now fail fast, without a network call)";
  if (state === "half_open") return " (letting a probe through)";
  if (state === "closed") return " (calls flow again)";
  return "";
}
