/**
 * Limits of a route table. proto/switchboard/v1/route.proto and docs/routing.md state the same
 * values.
 */
export const ROUTE_LIMITS = {
  maxSubsets: 64,
  maxSelectorPairs: 16,
  maxRules: 256,
  maxDestinations: 16,
  maxHeaderMatches: 16,
  maxPropagateHeaders: 16,
  /** Subset and rule names: a letter, then letters, digits and "-", 1..63 in all. */
  nameMaxLength: 63,
  headerNameMaxLength: 128,
  /** exact, prefix and suffix values, selector keys and values. */
  valueMaxLength: 1024,
  regexMaxLength: 256,
  /** Weights of a rule's destinations add up to exactly this. */
  weightTotal: 100,
  faultDelayMs: { min: 1, max: 3_600_000 },
  /** Percent fields take at most this many decimals (they become parts per million). */
  percentDecimals: 4,
} as const;
