import { dataPathBench } from "./data-path.js";
import { failoverBench } from "./failover.js";
import { fanoutBench } from "./fanout.js";
import { lbQualityBench } from "./lb-quality.js";
import { microBench } from "./micro.js";
import type { Bench } from "./types.js";
import { writePathBench } from "./write-path.js";
import { xdsFanoutBench } from "./xds-fanout.js";

/** Every benchmark, in the order `pnpm bench` runs them and BENCHMARKS.md lists them. */
export const BENCHES: readonly Bench[] = [
  dataPathBench,
  fanoutBench,
  xdsFanoutBench,
  writePathBench,
  failoverBench,
  lbQualityBench,
  microBench,
];
