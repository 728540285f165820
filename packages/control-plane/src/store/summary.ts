import { type EndpointRecord, effectiveHealth, type ServiceSummary } from "./types.js";

/** Counts a service's endpoints by effective health (an admin drain counts as draining). */
export function summarizeService(
  service: string,
  version: number,
  endpoints: Iterable<Pick<EndpointRecord, "adminDrained" | "reportedHealth">>,
  hasPolicy: boolean,
): ServiceSummary {
  let total = 0;
  let serving = 0;
  let notServing = 0;
  let draining = 0;
  for (const endpoint of endpoints) {
    total += 1;
    const health = effectiveHealth(endpoint);
    if (health === "SERVING") serving += 1;
    else if (health === "NOT_SERVING") notServing += 1;
    else draining += 1;
  }
  return { service, version, endpoints: total, serving, notServing, draining, hasPolicy };
}
