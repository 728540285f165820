import type { PhaseSummary } from "./summary.js";
import { formatTable, ms, percent } from "./table.js";

function failures(p: PhaseSummary): string {
  const codes = Object.entries(p.failedByCode).map(([code, n]) => `${code} ${n}`);
  return codes.length === 0 ? "" : codes.join(", ");
}

/** Per phase: orders made, failed (and why), fast-failed by the breaker, end-to-end P50/P99. */
export function formatPhaseTable(phases: readonly PhaseSummary[]): string[] {
  return formatTable(
    [
      { header: "phase" },
      { header: "secs", align: "right" },
      { header: "calls", align: "right" },
      { header: "failed", align: "right" },
      { header: "fast-failed", align: "right" },
      { header: "p50 ms", align: "right" },
      { header: "p99 ms", align: "right" },
      { header: "failures by code" },
    ],
    phases.map((p, i) => [
      `${i + 1} ${p.title}`,
      p.seconds.toFixed(1),
      String(p.calls),
      String(p.failed),
      String(p.breakerRejected),
      ms(p.p50Ms),
      ms(p.p99Ms),
      failures(p),
    ]),
  );
}

/** Per phase and instance: share of attempts, their success rate, and the P50/P99 of orders it answered. */
export function formatInstanceTable(phases: readonly PhaseSummary[]): string[] {
  const rows = phases.flatMap((p, i) =>
    p.instances.map((x, j) => [
      j === 0 ? `${i + 1} ${p.key}` : "",
      x.name,
      x.role,
      percent(x.share),
      String(x.attempts),
      percent(x.successRate),
      ms(x.p50Ms),
      ms(x.p99Ms),
    ]),
  );
  return formatTable(
    [
      { header: "phase" },
      { header: "instance" },
      { header: "role" },
      { header: "share", align: "right" },
      { header: "attempts", align: "right" },
      { header: "success", align: "right" },
      { header: "p50 ms", align: "right" },
      { header: "p99 ms", align: "right" },
    ],
    rows,
  );
}

/** Per phase: share of attempts by version, and where the orders marked x-canary: 1 landed. */
export function formatVersionTable(phases: readonly PhaseSummary[]): string[] {
  const versions = [...new Set(phases.flatMap((p) => Object.keys(p.versions)))].sort();
  const rows = phases.map((p, i) => [
    `${i + 1} ${p.key}`,
    ...versions.map((v) => percent(p.versions[v] ?? 0)),
    String(p.canary.calls),
    ...versions.map((v) => String(p.canary.byVersion[v] ?? 0)),
  ]);
  return formatTable(
    [
      { header: "phase" },
      ...versions.map((v) => ({ header: `${v} share`, align: "right" as const })),
      { header: "x-canary orders", align: "right" },
      ...versions.map((v) => ({ header: `on ${v}`, align: "right" as const })),
    ],
    rows,
  );
}

/** The end-of-run summary, as printed. */
export function formatSummary(phases: readonly PhaseSummary[]): string {
  return [
    "Summary per phase (PlaceOrder calls made by the load generator):",
    "",
    ...formatPhaseTable(phases).map((l) => `  ${l}`),
    "",
    "Per user-service instance (share of GetUser attempts from the order service's mesh stats;",
    "P50/P99 of the orders whose user lookup it answered):",
    "",
    ...formatInstanceTable(phases).map((l) => `  ${l}`),
    "",
    "Per version (share of GetUser attempts; orders marked x-canary: 1 and the version that answered them):",
    "",
    ...formatVersionTable(phases).map((l) => `  ${l}`),
  ].join("\n");
}
