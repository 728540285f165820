export type { CallStatsSnapshot } from "./call-stats.js";
export { CallStats } from "./call-stats.js";
export { CallStatsTable } from "./call-stats-table.js";
export { LatencyHistogram } from "./latency-histogram.js";
export { RollingWindow } from "./rolling-window.js";
