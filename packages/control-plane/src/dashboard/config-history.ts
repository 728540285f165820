/**
 * The policies and route tables a service had: the ones this replica saw in the change feed,
 * completed from the store's change log when that still reaches back, so the page can show the
 * previous one and what changed.
 */
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { Change, ChangeNotice } from "../store/types.js";

/** Changes kept per service. */
export const HISTORY_LIMIT = 10;
/** Services whose history is kept; the least recently changed go first. */
export const HISTORY_SERVICES = 1000;

/** What a history follows: the field its steps carry the value in, and the value a change sets
 * (null: deleted; undefined: a change this history does not follow). */
export interface Followed<F extends string> {
  readonly field: F;
  valueOf(change: Change): unknown;
}

export const POLICIES: Followed<"policy"> = {
  field: "policy",
  valueOf: (c) =>
    c.kind === "policy_set" ? Policy.toJSON(c.policy) : c.kind === "policy_deleted" ? null : undefined,
};

export const ROUTES: Followed<"routes"> = {
  field: "routes",
  valueOf: (c) =>
    c.kind === "routes_set" ? RouteTable.toJSON(c.routes) : c.kind === "routes_deleted" ? null : undefined,
};

/** One value a service had from `version` on, in its JSON form; null: deleted. `atMs`: when this
 * replica saw the change, absent for one read from the change log. */
export type HistoryStep<F extends string> = { readonly version: number; readonly atMs?: number } & {
  readonly [K in F]: unknown;
};

export class ConfigHistory<F extends string> {
  private readonly steps = new Map<string, HistoryStep<F>[]>();

  constructor(
    private readonly followed: Followed<F>,
    private readonly now: () => number,
  ) {}

  observe(notice: ChangeNotice): void {
    const s = this.step(notice, this.now());
    if (!s) return;
    const list = this.steps.get(notice.service) ?? [];
    this.steps.delete(notice.service);
    this.steps.set(notice.service, [s, ...list].slice(0, HISTORY_LIMIT));
    if (this.steps.size > HISTORY_SERVICES) {
      const oldest = this.steps.keys().next().value;
      if (oldest !== undefined) this.steps.delete(oldest);
    }
  }

  /** Newest first: what the feed showed, merged with what `changeLog` (the store's) still holds. */
  history(service: string, changeLog: readonly Change[] | undefined): readonly HistoryStep<F>[] {
    const byVersion = new Map<number, HistoryStep<F>>();
    for (const c of changeLog ?? []) {
      const s = this.step(c);
      if (s) byVersion.set(s.version, s);
    }
    for (const s of this.steps.get(service) ?? []) byVersion.set(s.version, s);
    return [...byVersion.values()].sort((a, b) => b.version - a.version).slice(0, HISTORY_LIMIT);
  }

  private step(change: Change, atMs?: number): HistoryStep<F> | undefined {
    const value = this.followed.valueOf(change);
    if (value === undefined) return undefined;
    const s = { version: change.version, [this.followed.field]: value, ...(atMs ? { atMs } : {}) };
    return s as HistoryStep<F>;
  }
}
