// A raw Discovery subscriber in its own process (so it can be frozen with SIGSTOP).
// Usage: node --conditions=source --import tsx watcher-process.ts '<json {addresses, services, clientId}>'
// Prints `{"ready":true}` once it holds a state for every service; answers each "report" line on
// stdin with `{"report":{<service>:{version,epoch,endpoints,responses}}}`.
import { createInterface } from "node:readline";
import { RawWatcher, type RawWatcherOptions } from "./raw-watcher.js";

export interface WatcherReport {
  readonly [service: string]: {
    readonly version: number;
    readonly epoch: string;
    readonly endpoints: number;
    readonly responses: number;
  };
}

const options = JSON.parse(process.argv[2] ?? "{}") as RawWatcherOptions;
const watcher = new RawWatcher(options);

function report(): WatcherReport {
  const out: Record<string, WatcherReport[string]> = {};
  for (const [service, s] of watcher.state) {
    out[service] = {
      version: s.version,
      epoch: s.epoch,
      endpoints: s.endpoints.size,
      responses: s.responses,
    };
  }
  return out;
}

const ready = setInterval(() => {
  if (options.services.every((s) => watcher.state.has(s))) {
    clearInterval(ready);
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  }
}, 10);

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "report") process.stdout.write(`${JSON.stringify({ report: report() })}\n`);
});
process.stdin.on("end", () => {
  watcher.close();
  process.exit(0);
});
