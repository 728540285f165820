import { firstAllowed, randomIndex } from "./picker-util.js";
import type { BalancerFactory, BalancerPicker, Pickable, PickContext } from "./types.js";

/**
 * Each endpoint in turn. The rotation starts at a random offset so that many clients that
 * build their pickers at the same moment do not all send their first call to the same
 * endpoint. Weights are ignored.
 */
export class RoundRobinPicker<T extends Pickable> implements BalancerPicker<T> {
  private next: number;

  constructor(
    private readonly endpoints: readonly T[],
    random: () => number,
  ) {
    this.next = endpoints.length > 0 ? randomIndex(random, endpoints.length) : 0;
  }

  pick(ctx: PickContext): T | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    const i = this.next;
    this.next = i + 1 === n ? 0 : i + 1;
    return firstAllowed(this.endpoints, i, ctx.avoid);
  }
}

export const roundRobin: BalancerFactory = (endpoints, _config, deps) =>
  new RoundRobinPicker(endpoints, deps.random);
