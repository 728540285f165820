/** Helpers shared by the pickers; allocation-free, for the pick hot path. */

/** Weight as the pickers use it: a whole number >= 1 (0, negative, NaN count as 1). */
export function effectiveWeight(weight: number): number {
  return Number.isFinite(weight) && weight >= 1 ? Math.round(weight) : 1;
}

/**
 * The first endpoint at or after `start` (wrapping) whose key is not in `avoid`; the one at
 * `start` if every key is avoided. O(|avoid| + 1).
 */
export function firstAllowed<T extends { readonly key: string }>(
  endpoints: readonly T[],
  start: number,
  avoid: ReadonlySet<string> | undefined,
): T | undefined {
  const first = endpoints[start];
  if (avoid === undefined || avoid.size === 0 || first === undefined || !avoid.has(first.key)) return first;
  const n = endpoints.length;
  for (let step = 1; step < n; step++) {
    const e = endpoints[(start + step) % n];
    if (e !== undefined && !avoid.has(e.key)) return e;
  }
  return first;
}

/** A uniform index in [0, n) from a [0, 1) random source. */
export function randomIndex(random: () => number, n: number): number {
  // Guard against a source that returns exactly 1.
  return Math.min(n - 1, Math.floor(random() * n));
}
