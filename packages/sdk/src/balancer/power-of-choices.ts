import type { BalancerPicker, Pickable, PickContext } from "./types.js";

/**
 * Power of d choices: sample `choiceCount` distinct endpoints at random and take the one with
 * the lowest cost (the first sampled on a tie, so equal costs spread uniformly). Sampling is a
 * partial Fisher-Yates shuffle of an index permutation the picker owns, so it draws distinct
 * indices in O(d) with no allocation.
 *
 * With `avoid`, endpoints already tried are skipped and do not use up a choice; sampling goes
 * on until d others are seen or none is left, and only then falls back to a tried one.
 */
export abstract class PowerOfChoicesPicker<T extends Pickable> implements BalancerPicker<T> {
  private readonly order: Uint32Array;

  constructor(
    protected readonly endpoints: readonly T[],
    private readonly choiceCount: number,
    private readonly random: () => number,
  ) {
    this.order = Uint32Array.from(endpoints, (_, i) => i);
  }

  /** Lower is better. */
  protected abstract cost(endpoint: T): number;

  pick(ctx: PickContext): T | undefined {
    const n = this.endpoints.length;
    if (n <= 1) return this.endpoints[0];
    const avoid = ctx.avoid !== undefined && ctx.avoid.size > 0 ? ctx.avoid : undefined;
    let best: T | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    let fallback: T | undefined;
    let seen = 0;
    for (let t = 0; t < n && seen < this.choiceCount; t++) {
      const e = this.endpoints[this.draw(t, n)];
      if (e === undefined) continue;
      if (avoid?.has(e.key)) {
        fallback ??= e;
        continue;
      }
      seen++;
      const cost = this.cost(e);
      if (best === undefined || cost < bestCost) {
        best = e;
        bestCost = cost;
      }
    }
    return best ?? fallback;
  }

  /** Swaps a random one of order[t..n-1] into place t and returns it. */
  private draw(t: number, n: number): number {
    const order = this.order;
    const j = t + Math.min(n - t - 1, Math.floor(this.random() * (n - t)));
    const chosen = order[j] ?? 0;
    order[j] = order[t] ?? 0;
    order[t] = chosen;
    return chosen;
  }
}
