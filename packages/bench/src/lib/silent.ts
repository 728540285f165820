import pino from "pino";

/** Benchmarks keep their processes quiet: logging would be part of what is measured. */
export const silentLogger = pino({ level: "silent" });
