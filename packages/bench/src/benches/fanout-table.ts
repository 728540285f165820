/** The table and targets of a fan-out benchmark (native Discovery and xDS alike). */
import { markdownTable, num, verdict, withSpread } from "../lib/format.js";
import { quantile, spread } from "../lib/stats.js";
import type { FanoutCase, Phase } from "./fanout-cases.js";
import type { TargetCheck } from "./types.js";

/** Targets by subscriber count (one replica or several): P99 from change to last subscriber, ms. */
const P99_TARGET_MS: Readonly<Record<number, number>> = { 1000: 100, 10000: 500 };
/** Target: control-plane memory per subscriber, KB. */
const RSS_TARGET_KB = 400;

const PROTOCOL_LABEL: Readonly<Record<FanoutCase["protocol"], string>> = {
  native: "Discovery Watch",
  xds: "xDS ADS",
};

const HEADER = [
  "streams",
  "subscribers",
  "replicas",
  "changes",
  "change written, P50 ms",
  "first subscriber, P50 ms",
  "median subscriber, P50 ms",
  "last subscriber, P50 ms",
  "last subscriber, P99 ms",
  "last subscriber, max ms",
  "CP CPU per change, P50 ms",
  "Redis CPU per change, P50 ms",
  "CP RSS per subscriber, KB",
  "P99 target",
];

function caseName(c: FanoutCase): string {
  const on = c.replicas === 1 ? "" : ` on ${c.replicas} replicas`;
  const what = c.protocol === "xds" ? "ADS streams" : "subscribers";
  return `${num(c.subscribers)} ${what}${on}`;
}

export function renderFanout(
  cases: readonly FanoutCase[],
  phases: readonly Phase[],
): { table: string; targets: TargetCheck[] } {
  const rows: string[][] = [];
  const targets: TargetCheck[] = [];
  for (const c of cases) {
    const mine = phases.filter(
      (ph) => ph.protocol === c.protocol && ph.subscribers === c.subscribers && ph.replicas === c.replicas,
    );
    const all = (k: "lastMs" | "medianMs" | "writtenMs" | "firstMs" | "cpCpuMs" | "redisCpuMs") =>
      mine.flatMap((ph) => ph[k]);
    const last = all("lastMs");
    const rss = spread(mine.map((ph) => ph.rssPerSubscriberKb));
    const p99 = quantile(last, 0.99);
    const target = P99_TARGET_MS[c.subscribers];
    rows.push([
      PROTOCOL_LABEL[c.protocol],
      num(c.subscribers),
      num(c.replicas),
      num(last.length),
      num(quantile(all("writtenMs"), 0.5), 1),
      num(quantile(all("firstMs"), 0.5), 1),
      num(quantile(all("medianMs"), 0.5), 1),
      num(quantile(last, 0.5), 1),
      num(p99, 1),
      num(Math.max(...last), 1),
      num(quantile(all("cpCpuMs"), 0.5)),
      num(quantile(all("redisCpuMs"), 0.5), 2),
      withSpread(rss, 1),
      target === undefined ? "—" : `${verdict(p99 <= target)} (≤ ${target} ms)`,
    ]);
    if (target !== undefined) {
      targets.push({
        name: `P99 at ${caseName(c)}`,
        target: `≤ ${target} ms`,
        value: `${num(p99, 1)} ms`,
        met: p99 <= target,
      });
    }
    targets.push({
      name: `RSS per subscriber at ${caseName(c)}`,
      target: `≤ ${RSS_TARGET_KB} KB`,
      value: `${num(rss.median, 1)} KB`,
      met: rss.median <= RSS_TARGET_KB,
    });
  }
  return { table: markdownTable(HEADER, rows), targets };
}
