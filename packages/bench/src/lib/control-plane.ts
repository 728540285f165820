/** The control plane a benchmark runs against: the one launcher, with the benchmarks' settings. */
import { type ControlPlaneProcess, launchControlPlane } from "@switchboard/control-plane/testing";

export interface BenchControlPlaneOptions {
  readonly redisUrl?: string;
  readonly redisKeyPrefix?: string;
  readonly replicaId?: string;
  /** More flags. */
  readonly args?: readonly string[];
  /** Node flags (the profile flags of --profile). */
  readonly nodeFlags?: readonly string[];
}

/**
 * Starts the workspace's control plane (built by `pnpm run build`), or the script named by
 * SWITCHBOARD_BENCH_CONTROL_PLANE_BIN (same flags and log line), to compare a change against it.
 */
export function startControlPlane(o: BenchControlPlaneOptions = {}): Promise<ControlPlaneProcess> {
  const override = process.env.SWITCHBOARD_BENCH_CONTROL_PLANE_BIN;
  return launchControlPlane({
    ...o,
    ...(override ? { bin: override } : {}),
    args: ["--min-lease-ttl-ms", "500", ...(o.args ?? [])],
    stderr: "inherit",
  });
}
