import type { Clock, ResolvedLoadBalancing } from "@switchboard/core";
import type { EndpointLoad } from "./endpoint-load.js";

/**
 * The balancer contract. Each algorithm is one file beside this one; `registry.ts` maps
 * algorithm names to them.
 *
 * A picker is an immutable snapshot of one endpoint list: the caller builds a new one whenever
 * the list (or the policy) changes and calls `pick` once per call. `pick` is the hot path: it
 * does no I/O, allocates nothing, and costs O(1) or O(log n) (O(n) only on the rare path where
 * every cheap choice is in `avoid`).
 */

/** What a picker needs to know about an endpoint. */
export interface Pickable {
  /** Stable identity of the endpoint (its address), used by ring_hash and `avoid`. */
  readonly key: string;
  /** Relative weight (1..1000; anything below 1 or not finite counts as 1). */
  readonly weight: number;
  /** Live load figures, shared by every picker of the process. */
  readonly load: EndpointLoad;
}

export interface PickContext {
  /** ring_hash: value of the hash header for this call (undefined: random endpoint). */
  readonly hashKey?: string | undefined;
  /** Keys tried by earlier attempts of this call: prefer others, fall back to them if nothing else is left. */
  readonly avoid?: ReadonlySet<string> | undefined;
}

export interface BalancerPicker<T extends Pickable> {
  /** The endpoint for one call; undefined only when the list is empty. */
  pick(ctx: PickContext): T | undefined;
}

/** What a picker may use besides its endpoints: both injected so tests are deterministic. */
export interface BalancerDeps {
  /** Uniform in [0, 1), like Math.random. */
  readonly random: () => number;
  readonly clock: Clock;
}

/** Builds a picker over `endpoints` for one algorithm. */
export type BalancerFactory = <T extends Pickable>(
  endpoints: readonly T[],
  config: ResolvedLoadBalancing,
  deps: BalancerDeps,
) => BalancerPicker<T>;
