import { effectiveWeight, randomIndex } from "./picker-util.js";
import type { BalancerFactory, BalancerPicker, Pickable, PickContext } from "./types.js";

/**
 * Longest schedule built; larger weight sums are scaled down to it (each endpoint keeping at
 * least one slot), which changes any endpoint's share by at most 0.5 / MAX_PERIOD.
 */
const MAX_PERIOD = 8192;

/**
 * Smooth weighted round robin from a precomputed schedule: one period holds each endpoint
 * `weight` times (weights reduced by their common divisor), ordered so that each endpoint's
 * slots are spread evenly (endpoint i's k-th slot sits at (k - 1/2) / weight_i of the period,
 * the Sainte-Laguë order). A pick reads the next slot: O(1). The schedule is built once per
 * endpoint list, in O(P log P) for a period of P <= MAX_PERIOD + n slots.
 *
 * With `avoid`, when the scheduled endpoint was already tried, the pick is a weighted random
 * one among those not tried: O(n), on the retry path only.
 */
export class WeightedRoundRobinPicker<T extends Pickable> implements BalancerPicker<T> {
  private readonly schedule: Uint32Array;
  private readonly weights: Uint32Array;
  private next: number;

  constructor(
    private readonly endpoints: readonly T[],
    private readonly random: () => number,
  ) {
    this.weights = Uint32Array.from(endpoints, (e) => effectiveWeight(e.weight));
    this.schedule = buildSchedule(slotsPerEndpoint(this.weights));
    this.next = this.schedule.length > 0 ? randomIndex(random, this.schedule.length) : 0;
  }

  pick(ctx: PickContext): T | undefined {
    const period = this.schedule.length;
    if (period === 0) return undefined;
    const i = this.next;
    this.next = i + 1 === period ? 0 : i + 1;
    const chosen = this.endpoints[this.schedule[i] ?? 0];
    const avoid = ctx.avoid;
    if (chosen === undefined || avoid === undefined || !avoid.has(chosen.key)) return chosen;
    return this.weightedAmongAllowed(avoid) ?? chosen;
  }

  private weightedAmongAllowed(avoid: ReadonlySet<string>): T | undefined {
    let total = 0;
    for (let i = 0; i < this.endpoints.length; i++) {
      if (!avoid.has(this.endpoints[i]?.key ?? "")) total += this.weights[i] ?? 0;
    }
    if (total === 0) return undefined;
    let r = this.random() * total;
    for (let i = 0; i < this.endpoints.length; i++) {
      const e = this.endpoints[i];
      if (e === undefined || avoid.has(e.key)) continue;
      r -= this.weights[i] ?? 0;
      if (r < 0) return e;
    }
    return undefined;
  }
}

/** Slots per endpoint in one period: weights reduced by their gcd, scaled down past MAX_PERIOD. */
function slotsPerEndpoint(weights: Uint32Array): Uint32Array {
  const sum = weights.reduce((a, b) => a + b, 0);
  const scaled =
    sum > MAX_PERIOD ? weights.map((w) => Math.max(1, Math.round((w * MAX_PERIOD) / sum))) : weights;
  const divisor = scaled.reduce((g, w) => gcd(g, w), 0);
  return divisor > 1 ? scaled.map((w) => w / divisor) : scaled;
}

/** Sainte-Laguë order of every endpoint's slots; ties go to the endpoint listed first. */
function buildSchedule(slots: Uint32Array): Uint32Array {
  const owners: number[] = [];
  const positions: number[] = [];
  slots.forEach((count, owner) => {
    for (let k = 1; k <= count; k++) {
      owners.push(owner);
      positions.push((k - 0.5) / count);
    }
  });
  const order = owners.map((_, i) => i);
  order.sort((a, b) => (positions[a] ?? 0) - (positions[b] ?? 0) || (owners[a] ?? 0) - (owners[b] ?? 0));
  return Uint32Array.from(order, (i) => owners[i] ?? 0);
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

export const weightedRoundRobin: BalancerFactory = (endpoints, _config, deps) =>
  new WeightedRoundRobinPicker(endpoints, deps.random);
