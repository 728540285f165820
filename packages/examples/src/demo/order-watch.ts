import { setTimeout as sleep } from "node:timers/promises";
import type { MeshStats } from "@switchboard/sdk";
import { AttemptCounter, describeChanges, fetchMeshStats, type MeshSample, sampleOf } from "./mesh-sample.js";

const EMPTY_SAMPLE: MeshSample = {
  connected: false,
  version: 0,
  loadBalancing: "",
  breaker: "idle",
  endpoints: new Map(),
};

/**
 * The demo's window on the order service's mesh client (its `GET /stats`): samples of how it
 * sees one service (endpoints, attempts since the last sample, policy version, the breaker of
 * one method), and what changed between samples.
 */
export class OrderServiceWatch {
  private readonly counter = new AttemptCounter();
  private current = EMPTY_SAMPLE;

  constructor(
    private readonly statsUrl: string,
    private readonly service: string,
    private readonly method: string,
    private readonly nameOf: (endpointId: string) => string,
  ) {}

  /** The last sample. */
  get sample(): MeshSample {
    return this.current;
  }

  /** Takes a sample; returns it with what changed since the previous one, in words. */
  async next(): Promise<{ sample: MeshSample; changes: string[] }> {
    const next = sampleOf(await fetchMeshStats(this.statsUrl), this.service, this.method, this.counter);
    const changes = describeChanges(this.current, next, this.nameOf);
    this.current = next;
    return { sample: next, changes };
  }

  /** An endpoint's share of the attempts in the last sample, 0..1. */
  recentShare(endpointId: string): number {
    let total = 0;
    for (const e of this.current.endpoints.values()) total += e.attempts;
    return total === 0 ? 0 : (this.current.endpoints.get(endpointId)?.attempts ?? 0) / total;
  }

  /** Resolves once the client runs on version `version` of the service's state (or a later one). */
  untilVersion(version: number, signal: AbortSignal): Promise<void> {
    return this.until(
      (s) => (s.services[this.service]?.version ?? 0) >= version,
      `version ${version}`,
      signal,
    );
  }

  /** Resolves once the client sees at least `count` SERVING endpoints. */
  untilServing(count: number, signal: AbortSignal): Promise<void> {
    const serving = (s: MeshStats) =>
      (s.services[this.service]?.endpoints.filter((e) => e.health === "SERVING").length ?? 0) >= count;
    return this.until(serving, `${count} serving ${this.service} endpoints`, signal);
  }

  /** Resolves once each of these endpoints is SERVING and not ejected by outlier detection. */
  untilInRotation(endpointIds: readonly string[], signal: AbortSignal): Promise<void> {
    const inRotation = (s: MeshStats) => {
      const endpoints = s.services[this.service]?.endpoints ?? [];
      return endpointIds.every((id) =>
        endpoints.some((e) => e.id === id && e.health === "SERVING" && !e.ejected),
      );
    };
    return this.until(inRotation, `${endpointIds.join(", ")} in rotation`, signal);
  }

  /** Polls the stats (another process: there is no event to wait on) until `check` holds, for 10 s at most. */
  private async until(check: (s: MeshStats) => boolean, what: string, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check(await fetchMeshStats(this.statsUrl))) {
      if (Date.now() > deadline) throw new Error(`the order service did not see ${what} within 10 s`);
      await sleep(25, undefined, { signal });
    }
  }
}
