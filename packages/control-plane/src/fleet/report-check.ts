import { CLIENT_REPORT_LIMITS } from "@switchboard/core";
import type { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { invalidArgument } from "../errors.js";
import { checkLabel, checkServiceName, expect } from "../validation.js";

const L = CLIENT_REPORT_LIMITS;

function atMost(count: number, max: number, field: string): void {
  if (count > max)
    throw invalidArgument(
      field,
      `at most ${max} per report (got ${count}); list the rest in the *_omitted counts`,
    );
}

/**
 * A client report within its bounds (CLIENT_REPORT_LIMITS), or INVALID_ARGUMENT naming the first
 * field that is not: the service name, the interval, the number of endpoints, methods and codes,
 * and every name's length.
 */
export function checkClientReport(report: ClientReport): ClientReport {
  expect(checkServiceName(report.service, "report.service"));
  const { min, max } = L.intervalMs;
  if (report.intervalMs < min || report.intervalMs > max) {
    throw invalidArgument("report.interval_ms", `must be ${min}..${max} (got ${report.intervalMs})`);
  }
  atMost(report.endpoints.length, L.maxEndpoints, "report.endpoints");
  atMost(report.methods.length, L.maxMethods, "report.methods");
  report.endpoints.forEach((e, i) => {
    expect(checkLabel(e.id, `report.endpoints[${i}].id`, L.maxNameLength));
  });
  report.methods.forEach((m, i) => {
    expect(checkLabel(m.method, `report.methods[${i}].method`, L.maxNameLength));
    atMost(m.errors.length, L.maxCodes, `report.methods[${i}].errors`);
  });
  return report;
}
