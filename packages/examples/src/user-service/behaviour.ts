/**
 * Faults a user-service instance injects, changeable while it runs (from stdin commands, so
 * the demo can start and end an outage).
 */
export interface UserBehaviour {
  /** Mean added latency per call, ms; each call waits this +-10%. */
  latencyMs: number;
  /** Share of calls (0..1) that fail with UNAVAILABLE. */
  failureRate: number;
}

/** The delay for one call: the mean with +-10% jitter (0 stays 0). */
export function jitteredDelayMs(meanMs: number, random: () => number = Math.random): number {
  if (meanMs <= 0) return 0;
  return meanMs * (0.9 + 0.2 * random());
}

export const COMMAND_HELP = 'commands: "latency-ms <ms>", "failure-rate <0..1>", "show"';

/**
 * Applies one command line ("latency-ms 40", "failure-rate 0.2", "show") to `behaviour`.
 * Returns what the behaviour is now, or an error message; never throws.
 */
export function applyCommand(behaviour: UserBehaviour, line: string): { ok: boolean; message: string } {
  const [command, raw, ...rest] = line.trim().split(/\s+/);
  const show = () => `latency-ms ${behaviour.latencyMs}, failure-rate ${behaviour.failureRate}`;
  if (command === "show" && raw === undefined) return { ok: true, message: show() };
  const value = raw !== undefined && rest.length === 0 ? Number(raw) : Number.NaN;
  if (command === "latency-ms") {
    if (!Number.isFinite(value) || value < 0)
      return { ok: false, message: `latency-ms needs a number >= 0 (got "${raw ?? ""}")` };
    behaviour.latencyMs = value;
    return { ok: true, message: show() };
  }
  if (command === "failure-rate") {
    if (!(value >= 0 && value <= 1))
      return { ok: false, message: `failure-rate needs a number in 0..1 (got "${raw ?? ""}")` };
    behaviour.failureRate = value;
    return { ok: true, message: show() };
  }
  return { ok: false, message: `unknown command "${line.trim()}"; ${COMMAND_HELP}` };
}
