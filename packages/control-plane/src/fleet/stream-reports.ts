import type { Clock } from "@switchboard/core";
import type { ClientReport } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import type { SessionInfo } from "../hub/types.js";
import type { FleetReports } from "./fleet-reports.js";
import { checkClientReport } from "./report-check.js";
import { ReportRate } from "./report-rate.js";

/** What a stream's reports need to know of its session. */
export interface ReportingSession {
  readonly info: SessionInfo;
  /** True when the stream subscribes to `service`. */
  subscribes(service: string): boolean;
}

/**
 * The reports of one Discovery stream: rate-limited (RESOURCE_EXHAUSTED past the budget ends
 * the stream), checked (INVALID_ARGUMENT naming the field), and handed to the replica's fleet
 * reports. A report about a service the stream does not subscribe to is dropped.
 */
export class StreamReports {
  private readonly rate: ReportRate;

  constructor(
    private readonly fleet: FleetReports,
    private readonly session: ReportingSession,
    private readonly replicaId: string,
    private readonly clock: Clock,
  ) {
    this.rate = new ReportRate(clock);
  }

  /** Throws a ControlPlaneError when the stream must end. */
  receive(report: ClientReport): void {
    this.rate.take();
    checkClientReport(report);
    if (!this.session.subscribes(report.service)) return;
    const { clientId, zone, sdkVersion } = this.session.info;
    this.fleet.receive({
      clientId,
      zone,
      sdkVersion,
      replicaId: this.replicaId,
      receivedAtMs: Math.floor(this.clock.now()),
      report,
    });
  }
}
