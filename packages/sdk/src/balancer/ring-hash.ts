import { murmur3 } from "./hash.js";
import { effectiveWeight, firstAllowed, randomIndex } from "./picker-util.js";
import type { BalancerFactory, BalancerPicker, Pickable, PickContext } from "./types.js";

/** Point indices are packed below the hash in one float64 sort key; 2^21 points at most. */
const INDEX_BITS = 2 ** 21;

/**
 * Consistent hashing (ring_hash): each endpoint owns points on a 32-bit ring, the hash of
 * "key_0", "key_1", ...; a call goes to the owner of the first point at or after the hash of its
 * `hashKey` (MurmurHash3 of the header value), found by binary search: O(log points).
 *
 * Points per endpoint: ceil(weight x scale), scale being the power of two at or above
 * ringSize / (sum of weights), so the ring has at least `ringSize` points (under twice as many,
 * plus one per endpoint) and shares follow weights. An endpoint's points depend only on its
 * key, its weight and the scale, so when an endpoint leaves (or joins) and the scale stays the
 * same, only the keys it owned move (or only the keys it takes). Rounding the scale to a power
 * of two keeps it unchanged unless ringSize / (sum of weights) crosses a power of two (with
 * equal weights and ringSize 1024: the endpoint count dropping from 16 to 15 or 8 to 7, or
 * rising back); then every endpoint's points double (or halve) and some keys also move between
 * endpoints that stayed.
 *
 * A call without a hash key goes to a random endpoint. With `avoid`, the walk goes on round
 * the ring to the next endpoint not yet tried (so retries of one key agree on where to go).
 */
export class RingHashPicker<T extends Pickable> implements BalancerPicker<T> {
  private readonly hashes: Uint32Array;
  private readonly owners: Uint32Array;

  constructor(
    private readonly endpoints: readonly T[],
    ringSize: number,
    private readonly random: () => number,
  ) {
    const ring = buildRing(endpoints, ringSize);
    this.hashes = ring.hashes;
    this.owners = ring.owners;
  }

  /** Points on the ring. */
  get size(): number {
    return this.hashes.length;
  }

  pick(ctx: PickContext): T | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    if (ctx.hashKey === undefined)
      return firstAllowed(this.endpoints, randomIndex(this.random, n), ctx.avoid);
    const start = lowerBound(this.hashes, murmur3(ctx.hashKey));
    const owner = this.endpointAt(start);
    const avoid = ctx.avoid;
    if (avoid === undefined || owner === undefined || !avoid.has(owner.key)) return owner;
    for (let step = 1; step < this.hashes.length; step++) {
      const e = this.endpointAt(start + step);
      if (e !== undefined && !avoid.has(e.key)) return e;
    }
    return owner;
  }

  private endpointAt(point: number): T | undefined {
    return this.endpoints[this.owners[point % this.owners.length] ?? 0];
  }
}

/** Index of the first hash >= h, or 0 past the end (the ring wraps). */
function lowerBound(hashes: Uint32Array, h: number): number {
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((hashes[mid] ?? 0) < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === hashes.length ? 0 : lo;
}

/**
 * The sorted ring. Points are generated in key order and each carries its generation index
 * below its hash in the sort key, so equal hashes (rare) order by key: the ring does not
 * depend on the order of the endpoint list.
 */
function buildRing(endpoints: readonly Pickable[], ringSize: number) {
  const weights = endpoints.map((e) => effectiveWeight(e.weight));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const scale = totalWeight === 0 ? 1 : 2 ** Math.ceil(Math.log2(ringSize / totalWeight));
  const byKey = endpoints.map((_, i) => i).sort((a, b) => compareKeys(endpoints[a]?.key, endpoints[b]?.key));
  const pointOwner: number[] = [];
  const sortKeys: number[] = [];
  for (const i of byKey) {
    const key = endpoints[i]?.key ?? "";
    const points = Math.ceil((weights[i] ?? 1) * scale);
    for (let k = 0; k < points; k++) {
      sortKeys.push(murmur3(`${key}_${k}`) * INDEX_BITS + pointOwner.length);
      pointOwner.push(i);
    }
  }
  if (pointOwner.length > INDEX_BITS)
    throw new RangeError(`ring_hash: ${pointOwner.length} points is too many`);
  const sorted = Float64Array.from(sortKeys).sort();
  const hashes = new Uint32Array(sorted.length);
  const owners = new Uint32Array(sorted.length);
  sorted.forEach((sortKey, p) => {
    hashes[p] = Math.floor(sortKey / INDEX_BITS);
    owners[p] = pointOwner[sortKey % INDEX_BITS] ?? 0;
  });
  return { hashes, owners };
}

function compareKeys(a = "", b = ""): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const ringHash: BalancerFactory = (endpoints, config, deps) =>
  new RingHashPicker(endpoints, config.ringSize, deps.random);
