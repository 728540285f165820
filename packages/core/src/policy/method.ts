import type { MethodPolicyView, ResolvedMethodOverride, ResolvedPolicy } from "./types.js";

/**
 * The policy for one call path ("/pkg.Service/Method"). The most specific key of
 * Policy.methods wins: "pkg.Service/Method", then "pkg.Service", then "Method".
 */
export function policyForMethod(policy: ResolvedPolicy, path: string): MethodPolicyView {
  let key: string | undefined;
  let override: ResolvedMethodOverride | undefined;
  if (policy.methods.size > 0) {
    const full = path.startsWith("/") ? path.slice(1) : path;
    const slash = full.indexOf("/");
    const service = slash >= 0 ? full.slice(0, slash) : full;
    const method = slash >= 0 ? full.slice(slash + 1) : "";
    for (const candidate of [full, service, method]) {
      const found = candidate ? policy.methods.get(candidate) : undefined;
      if (found) {
        key = candidate;
        override = found;
        break;
      }
    }
  }
  const ownBreaker = override?.circuitBreaker !== undefined;
  const ownBucket = override?.rateLimit !== undefined;
  return {
    circuitBreaker: ownBreaker ? override?.circuitBreaker : policy.circuitBreaker,
    breakerScope: ownBreaker && key ? key : "*",
    retry: override?.retry ?? policy.retry,
    timeoutMs: override?.timeoutMs ?? policy.timeoutMs,
    rateLimit: ownBucket ? override?.rateLimit : policy.rateLimit,
    rateLimitScope: ownBucket && key ? key : "*",
  };
}
