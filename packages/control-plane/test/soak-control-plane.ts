// The control plane under soak, in its own process, reporting on itself.
// Usage: node --conditions=source --import tsx soak-control-plane.ts '<json {redisUrl, keyPrefix}>'
// Prints `{"listening":"host:port"}`, then every second a sample:
// `{"sample":{"t":ms,"rss":bytes,"heap":bytes,"lagP50":ms,"lagP99":ms,"lagMax":ms,"streams":n}}`.
// Event-loop lag comes from perf_hooks.monitorEventLoopDelay (10 ms resolution), reset per sample.
// SIGTERM stops it (exit 0).
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pino } from "pino";
import { createControlPlane } from "../src/index.js";

const { redisUrl, keyPrefix } = JSON.parse(process.argv[2] ?? "{}") as {
  redisUrl: string;
  keyPrefix: string;
};
const plane = createControlPlane({
  listenAddress: "127.0.0.1:0",
  metricsListenAddress: "off",
  redisUrl,
  redisKeyPrefix: keyPrefix,
  minLeaseTtlMs: 500,
  maxLeaseTtlMs: 10_000,
  logger: pino({ level: "warn" }, pino.destination(2)),
});
const lag = monitorEventLoopDelay({ resolution: 10 });
const started = Date.now();
const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;

plane.start().then(
  ({ address }) => {
    process.stdout.write(`${JSON.stringify({ listening: address })}\n`);
    lag.enable();
    setInterval(() => {
      const mem = process.memoryUsage();
      const sample = {
        t: Date.now() - started,
        rss: mem.rss,
        heap: mem.heapUsed,
        lagP50: ms(lag.percentile(50)),
        lagP99: ms(lag.percentile(99)),
        lagMax: ms(lag.max),
        streams: plane.stats().watchStreams,
      };
      lag.reset();
      process.stdout.write(`${JSON.stringify({ sample })}\n`);
    }, 1000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
process.once("SIGTERM", () => {
  void plane.stop({ graceMs: 1000 }).then(() => process.exit(0));
});
