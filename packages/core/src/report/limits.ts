/**
 * The bounds of a client report (switchboard.v1.ClientReport), which the SDK keeps within and the
 * control plane enforces: what one report may list, how often a client may report, and how long
 * a report counts.
 */
export const CLIENT_REPORT_LIMITS = {
  /** Endpoints listed per report; the rest are counted in `endpoints_omitted`. */
  maxEndpoints: 256,
  /** Methods listed per report; the rest are counted in `methods_omitted`. */
  maxMethods: 64,
  /** Status codes per method (gRPC defines 0..16). */
  maxCodes: 17,
  /** Longest method name or endpoint id, in characters. */
  maxNameLength: 256,
  /** A client's report interval, ms: default, and the range the control plane accepts. */
  intervalMs: { default: 5000, min: 1000, max: 60_000 },
  /** A report counts this many of its intervals, then the control plane forgets it. */
  staleAfterIntervals: 3,
  /** Immediate reports (on a state change) of one service, at most one per this many ms. */
  minImmediateGapMs: 1000,
  /** Reports per second one stream may send: sustained, and in a burst. */
  perStreamPerSecond: 10,
  perStreamBurst: 20,
} as const;
