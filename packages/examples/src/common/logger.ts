import pino, { type Logger } from "pino";

/** pino JSON logs on stderr (stdout carries the entry's JSON lines), at `SWITCHBOARD_LOG_LEVEL` or "info". */
export function stderrLogger(name: string): Logger {
  return pino({ name, level: process.env.SWITCHBOARD_LOG_LEVEL || "info" }, pino.destination(2));
}
