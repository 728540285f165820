import { firstAllowed, randomIndex } from "./picker-util.js";
import type { BalancerFactory, BalancerPicker, Pickable, PickContext } from "./types.js";

/**
 * A uniformly random endpoint (weights ignored). With `avoid`, the first endpoint after the
 * random one that is not avoided, which keeps the pick O(|avoid|) at the price of a slight
 * preference for the endpoints listed right after avoided ones; it only applies to retries.
 */
export class RandomPicker<T extends Pickable> implements BalancerPicker<T> {
  constructor(
    private readonly endpoints: readonly T[],
    private readonly random: () => number,
  ) {}

  pick(ctx: PickContext): T | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    return firstAllowed(this.endpoints, randomIndex(this.random, n), ctx.avoid);
  }
}

export const random: BalancerFactory = (endpoints, _config, deps) => new RandomPicker(endpoints, deps.random);
