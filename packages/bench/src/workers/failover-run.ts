/**
 * Load through one instance's death: closed-loop calls for `durationMs`, recording every
 * failed call (with its start time) and when the client last used the victim: for the mesh,
 * the last moment its attempt count on the victim went up (retried attempts included, polled
 * every 5 ms); for any client, the last call the victim answered and the start of the last
 * failed call.
 */
import type { MeshClient } from "@switchboard/sdk";
import { wallMs } from "../lib/clock.js";
import { type EchoCall, isServiceError } from "../lib/echo.js";
import { yieldToEventLoop } from "../lib/load.js";

export interface FailoverArgs {
  readonly durationMs: number;
  readonly concurrency: number;
  readonly victim: string;
}

export interface FailoverResult {
  readonly calls: number;
  readonly failures: number;
  readonly failureCodes: Readonly<Record<string, number>>;
  /** The first few distinct failure messages, with the time since the run started, ms. */
  readonly failureSamples: readonly string[];
  /** Wall ms. */
  readonly lastFailureStartMs: number | undefined;
  readonly lastVictimAnswerMs: number | undefined;
  readonly lastVictimAttemptMs: number | undefined;
}

function victimAttempts(mesh: MeshClient, service: string, victim: string): number | undefined {
  const endpoint = mesh.stats().services[service]?.endpoints.find((e) => e.id === victim);
  return endpoint?.attempts.requests;
}

export async function failoverRun(
  call: EchoCall,
  mesh: MeshClient | undefined,
  service: string,
  args: FailoverArgs,
): Promise<FailoverResult> {
  let open = true;
  let calls = 0;
  let failures = 0;
  const failureCodes: Record<string, number> = {};
  const failureSamples = new Set<string>();
  const startedRunAt = wallMs();
  let lastFailureStartMs: number | undefined;
  let lastVictimAnswerMs: number | undefined;
  let lastVictimAttemptMs: number | undefined;
  let attempts = mesh ? victimAttempts(mesh, service, args.victim) : undefined;
  const poller = mesh
    ? setInterval(() => {
        const now = victimAttempts(mesh, service, args.victim);
        if (now !== undefined && attempts !== undefined && now > attempts) lastVictimAttemptMs = wallMs();
        if (now !== undefined) attempts = now;
      }, 5)
    : undefined;
  const worker = async () => {
    while (open) {
      const startedAt = wallMs();
      try {
        const r = await call();
        if (r.servedBy === args.victim) lastVictimAnswerMs = wallMs();
      } catch (e) {
        failures++;
        const code = isServiceError(e) ? String(e.code) : "other";
        failureCodes[code] = (failureCodes[code] ?? 0) + 1;
        const details = isServiceError(e) ? e.details : String(e);
        if (failureSamples.size < 6 && ![...failureSamples].some((d) => d.endsWith(details))) {
          failureSamples.add(`+${Math.round(startedAt - startedRunAt)} ms: ${details}`);
        }
        lastFailureStartMs = Math.max(lastFailureStartMs ?? 0, startedAt);
        await yieldToEventLoop();
      }
      calls++;
    }
  };
  const workers = Array.from({ length: args.concurrency }, worker);
  await new Promise((r) => setTimeout(r, args.durationMs));
  open = false;
  await Promise.all(workers);
  if (poller) clearInterval(poller);
  return {
    calls,
    failures,
    failureCodes,
    failureSamples: [...failureSamples],
    lastFailureStartMs,
    lastVictimAnswerMs,
    lastVictimAttemptMs,
  };
}
