import type { ResolvedSubset } from "./types.js";

/** True when an endpoint's metadata holds every pair of the subset's selector. */
export function inSubset(subset: ResolvedSubset, metadata: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of subset.selector) if (metadata[key] !== value) return false;
  return true;
}
