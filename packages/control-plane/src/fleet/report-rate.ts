import { status } from "@grpc/grpc-js";
import { CLIENT_REPORT_LIMITS, type Clock } from "@switchboard/core";
import { ControlPlaneError } from "../errors.js";

const { perStreamPerSecond, perStreamBurst } = CLIENT_REPORT_LIMITS;

/**
 * The report budget of one Discovery stream: a token bucket of `perStreamBurst` tokens refilled
 * at `perStreamPerSecond`. A report past it ends the stream with RESOURCE_EXHAUSTED.
 */
export class ReportRate {
  private tokens: number = perStreamBurst;
  private lastMs: number;

  constructor(private readonly clock: Clock) {
    this.lastMs = clock.now();
  }

  /** Takes one report's token; throws RESOURCE_EXHAUSTED when there is none. */
  take(): void {
    const now = this.clock.now();
    this.tokens = Math.min(perStreamBurst, this.tokens + ((now - this.lastMs) / 1000) * perStreamPerSecond);
    this.lastMs = now;
    if (this.tokens < 1) {
      throw new ControlPlaneError(
        status.RESOURCE_EXHAUSTED,
        `client reports: more than ${perStreamPerSecond} per second (bursts of ${perStreamBurst}) on one stream; report every few seconds (reportIntervalMs)`,
      );
    }
    this.tokens -= 1;
  }
}
