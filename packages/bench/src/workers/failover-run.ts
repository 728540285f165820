/**
 * Load through one instance's failure: closed-loop calls for `durationMs`, counting the calls
 * that reached the caller with an error (with the first few distinct messages). Which calls
 * still went to the failed instance is not counted here but by the instances themselves.
 */
import { wallMs } from "../lib/clock.js";
import { type EchoCall, isServiceError } from "../lib/echo.js";
import { yieldToEventLoop } from "../lib/load.js";

export interface FailoverArgs {
  readonly durationMs: number;
  readonly concurrency: number;
}

export interface FailoverResult {
  readonly calls: number;
  readonly failures: number;
  readonly failureCodes: Readonly<Record<string, number>>;
  /** The first few distinct failure messages, with the time since the run started, ms. */
  readonly failureSamples: readonly string[];
}

export async function failoverRun(call: EchoCall, args: FailoverArgs): Promise<FailoverResult> {
  let open = true;
  let calls = 0;
  let failures = 0;
  const failureCodes: Record<string, number> = {};
  const failureSamples = new Set<string>();
  const startedRunAt = wallMs();
  const worker = async () => {
    while (open) {
      const startedAt = wallMs();
      try {
        await call();
      } catch (e) {
        failures++;
        const code = isServiceError(e) ? String(e.code) : "other";
        failureCodes[code] = (failureCodes[code] ?? 0) + 1;
        const details = isServiceError(e) ? e.details : String(e);
        if (failureSamples.size < 6 && ![...failureSamples].some((d) => d.endsWith(details))) {
          failureSamples.add(`+${Math.round(startedAt - startedRunAt)} ms: ${details}`);
        }
        await yieldToEventLoop();
      }
      calls++;
    }
  };
  const workers = Array.from({ length: args.concurrency }, worker);
  await new Promise((r) => setTimeout(r, args.durationMs));
  open = false;
  await Promise.all(workers);
  return { calls, failures, failureCodes, failureSamples: [...failureSamples] };
}
