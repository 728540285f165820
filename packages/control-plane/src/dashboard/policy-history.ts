/**
 * The policies a service had: the ones this replica saw in the change feed, completed from the
 * store's change log when that still reaches back, so the page can show the previous policy and
 * what changed.
 */
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { Change, ChangeNotice } from "../store/types.js";

/** Policy changes kept per service. */
export const POLICY_HISTORY_LIMIT = 10;
/** Services whose policy history is kept; the least recently changed go first. */
export const POLICY_HISTORY_SERVICES = 1000;

/** One policy a service had from `version` on; `policy` null: deleted. */
export interface PolicyStep {
  readonly version: number;
  readonly policy: unknown;
  /** When this replica saw the change; absent for one read from the change log. */
  readonly atMs?: number;
}

function step(change: Change, atMs?: number): PolicyStep | undefined {
  if (change.kind === "policy_set")
    return { version: change.version, policy: Policy.toJSON(change.policy), ...(atMs ? { atMs } : {}) };
  if (change.kind === "policy_deleted")
    return { version: change.version, policy: null, ...(atMs ? { atMs } : {}) };
  return undefined;
}

export class PolicyHistory {
  private readonly steps = new Map<string, PolicyStep[]>();

  constructor(private readonly now: () => number) {}

  observe(notice: ChangeNotice): void {
    const s = step(notice, this.now());
    if (!s) return;
    const list = this.steps.get(notice.service) ?? [];
    this.steps.delete(notice.service);
    this.steps.set(notice.service, [s, ...list].slice(0, POLICY_HISTORY_LIMIT));
    if (this.steps.size > POLICY_HISTORY_SERVICES) {
      const oldest = this.steps.keys().next().value;
      if (oldest !== undefined) this.steps.delete(oldest);
    }
  }

  /** Newest first: what the feed showed, merged with what `changeLog` (the store's) still holds. */
  history(service: string, changeLog: readonly Change[] | undefined): readonly PolicyStep[] {
    const byVersion = new Map<number, PolicyStep>();
    for (const c of changeLog ?? []) {
      const s = step(c);
      if (s) byVersion.set(s.version, s);
    }
    for (const s of this.steps.get(service) ?? []) byVersion.set(s.version, s);
    return [...byVersion.values()].sort((a, b) => b.version - a.version).slice(0, POLICY_HISTORY_LIMIT);
  }
}
