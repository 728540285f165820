import type { ResolvedRetry } from "../policy/types.js";

/** A route table with every value checked and normalised. What clients route by. */
export interface ResolvedRouteTable {
  /** Service version at which the table was stored (0 when not stored yet). */
  readonly routeVersion: number;
  readonly subsets: ReadonlyMap<string, ResolvedSubset>;
  /** In order: the first rule whose match holds is used. */
  readonly rules: readonly ResolvedRouteRule[];
  /** Lowercase header names carried from a served call to the calls it makes. */
  readonly propagateHeaders: readonly string[];
}

export interface ResolvedSubset {
  readonly name: string;
  /** Endpoint metadata pairs that must all be present with these values. */
  readonly selector: ReadonlyMap<string, string>;
}

/** "any": every method; "exact": one "package.Service/Method"; "service": "package.Service/" prefix. */
export type MethodMatch =
  | { readonly kind: "any" }
  | { readonly kind: "exact"; readonly method: string }
  | { readonly kind: "service"; readonly prefix: string };

export type HeaderTest =
  | { readonly kind: "exact"; readonly value: string }
  | { readonly kind: "prefix"; readonly value: string }
  | { readonly kind: "suffix"; readonly value: string }
  | { readonly kind: "regex"; readonly source: string; readonly regex: RegExp }
  | { readonly kind: "present"; readonly present: boolean };

export interface ResolvedHeaderMatch {
  readonly name: string;
  readonly test: HeaderTest;
  readonly invert: boolean;
}

export interface ResolvedRouteMatch {
  readonly method: MethodMatch;
  readonly headers: readonly ResolvedHeaderMatch[];
  /** Share of calls the match holds for, per million; undefined: every call. */
  readonly runtimePerMillion: number | undefined;
}

export type DestinationTarget =
  | { readonly kind: "subset"; readonly subset: string }
  | { readonly kind: "service"; readonly service: string };

export interface ResolvedDestination {
  /** 0..100; the weights of a rule add up to 100. */
  readonly weight: number;
  readonly target: DestinationTarget;
  /** Stable label for stats and metrics: the subset name, or "service:<name>". */
  readonly label: string;
}

export interface ResolvedFault {
  readonly delay: { readonly delayMs: number; readonly perMillion: number } | undefined;
  readonly abort: { readonly code: number; readonly perMillion: number } | undefined;
}

export type RouteFallback = "fail" | "default_route";

export interface ResolvedRouteRule {
  readonly name: string;
  readonly match: ResolvedRouteMatch;
  readonly destinations: readonly ResolvedDestination[];
  /** Lowercase header whose value makes the split sticky; "" for a random split. */
  readonly hashHeader: string;
  readonly timeoutMs: number | undefined;
  readonly retry: ResolvedRetry | undefined;
  readonly fault: ResolvedFault | undefined;
  readonly fallback: RouteFallback;
}
