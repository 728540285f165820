import type { JsonObject } from "@bufbuild/protobuf";
import { CANARY_HEADER } from "../load-generator/targets.js";

/**
 * The user service's route table in the canary phases (Admin.SetRoutes JSON): calls carrying
 * `x-canary: 1` go to v2; the others are split v1/v2 by `v2Percent`. The header is propagated,
 * so it reaches the user service through the order service. While v2 has no endpoint, its calls
 * fall back to the whole service.
 */
export function canaryRoutes(v2Percent: number): JsonObject {
  const fallback = "FALLBACK_DEFAULT_ROUTE";
  return {
    subsets: [
      { name: "v1", selector: { version: "v1" } },
      { name: "v2", selector: { version: "v2" } },
    ],
    rules: [
      {
        name: "canary-header",
        match: { headers: [{ name: CANARY_HEADER, exact: "1" }] },
        destinations: [{ weight: 100, subset: "v2" }],
        fallback,
      },
      {
        name: "rollout",
        destinations: [
          { weight: 100 - v2Percent, subset: "v1" },
          { weight: v2Percent, subset: "v2" },
        ],
        fallback,
      },
    ],
    propagateHeaders: [CANARY_HEADER],
  };
}
