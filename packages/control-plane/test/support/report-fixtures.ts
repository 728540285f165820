/** Client reports for tests that speak the Discovery stream themselves. */
import type { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { WatchClient } from "../helpers/watch.js";

/** A report on `service` that says nothing yet: no endpoint, no method, closed breakers. */
export function clientReport(service: string, overrides: Partial<ClientReport> = {}): ClientReport {
  return {
    service,
    policyVersion: 0,
    routeVersion: 0,
    intervalMs: 5000,
    windowMs: 5000,
    serviceBreaker: 0,
    endpoints: [],
    methods: [],
    endpointsOmitted: 0,
    methodsOmitted: 0,
    ...overrides,
  };
}

/** The service a stream subscribes to after a report, to know the report was taken. */
const BARRIER = "report-barrier";

/**
 * Sends `report` on `watch` and resolves once the control plane has taken it: a stream's
 * messages are handled in order, so once a subscription sent after the report is answered, the
 * report counts. Responses read meanwhile are acknowledged.
 */
export async function sendReport(watch: WatchClient, report: ClientReport): Promise<void> {
  watch.send({ kind: { $case: "report", report } });
  watch.subscribe(BARRIER);
  for (;;) {
    const r = await watch.next();
    watch.ack(r);
    if (r.kind?.$case === "snapshot" && r.kind.snapshot.service === BARRIER) break;
  }
  watch.send({ kind: { $case: "unsubscribe", unsubscribe: { service: BARRIER } } });
}
