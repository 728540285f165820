import { guardedLogDestination } from "@switchboard/core";
import { type Logger, pino } from "pino";
import type { LogLevel } from "./option-table.js";

/** Paths pino censors wherever they appear: tokens and request metadata never reach a log. */
export const REDACT_PATHS: readonly string[] = [
  "authorization",
  "*.authorization",
  "metadata",
  "*.metadata",
  "token",
  "*.token",
  "adminToken",
  "registrationToken",
  "discoveryToken",
  "*.adminToken",
  "*.registrationToken",
  "*.discoveryToken",
  "leaseId",
  "*.leaseId",
];

/** JSON logs to stdout, with the redaction above, through a destination that cannot block the
 * process or throw: a stdout nobody reads, or that fails, costs log lines, never a stop. */
export function createLogger(level: LogLevel): Logger {
  return pino(
    {
      level,
      base: { name: "switchboard-control-plane" },
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
    },
    guardedLogDestination(),
  );
}
