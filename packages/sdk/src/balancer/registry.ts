import type { LbAlgorithmName, ResolvedLoadBalancing } from "@switchboard/core";
import { leastRequest } from "./least-request.js";
import { peakEwma } from "./peak-ewma.js";
import { random } from "./random.js";
import { ringHash } from "./ring-hash.js";
import { roundRobin } from "./round-robin.js";
import type { BalancerDeps, BalancerFactory, BalancerPicker, Pickable } from "./types.js";
import { weightedRoundRobin } from "./weighted-round-robin.js";

/** Every algorithm of the policy, by name; typed so that a new name cannot be left out. */
export const BALANCERS: Readonly<Record<LbAlgorithmName, BalancerFactory>> = {
  round_robin: roundRobin,
  random,
  weighted_round_robin: weightedRoundRobin,
  least_request: leastRequest,
  peak_ewma: peakEwma,
  ring_hash: ringHash,
};

/** A picker over `endpoints` for `config.algorithm`. */
export function createBalancer<T extends Pickable>(
  endpoints: readonly T[],
  config: ResolvedLoadBalancing,
  deps: BalancerDeps,
): BalancerPicker<T> {
  return BALANCERS[config.algorithm](endpoints, config, deps);
}
