// How a rollout reads on the page: its state, its gates and what its timeline says.

export const ROLLOUT_STATE = {
  ROLLOUT_STATE_RUNNING: "running",
  ROLLOUT_STATE_PAUSED: "paused",
  ROLLOUT_STATE_COMPLETED: "completed",
  ROLLOUT_STATE_ROLLED_BACK: "rolled back",
  ROLLOUT_STATE_ABORTED: "aborted",
};

export function rolloutState(value) {
  return ROLLOUT_STATE[value] ?? "unknown";
}

export function isActive(rollout) {
  return rollout.state === "ROLLOUT_STATE_RUNNING" || rollout.state === "ROLLOUT_STATE_PAUSED";
}

/** Each gate: the name its readings carry, the field of its limit in `gates`, how it reads. */
export const GATES = [
  { gate: "nack_share", limit: "maxNackShare", title: "NACK share" },
  { gate: "error_rate_increase", limit: "maxErrorRateIncrease", title: "Error-rate increase" },
  { gate: "p99_ratio", limit: "maxP99Ratio", title: "P99 ratio" },
  { gate: "breaker_open_clients", limit: "maxBreakerOpenClients", title: "Clients with an open breaker" },
];

/** "stage 2 of 4 (50%)". */
export function stageOf(rollout) {
  const n = rollout.stages?.length ?? 0;
  return `stage ${(rollout.stage ?? 0) + 1} of ${n} (${rollout.percent ?? 0}%)`;
}

/** "10,50,100" and a hold time as the stages of StartRollout; throws naming what is wrong. */
export function parseStages(text, holdMs) {
  const hold = Number(holdMs || 0);
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const percent = Number(part);
      if (!Number.isFinite(percent)) throw new Error(`stages: "${part}" is not a number`);
      return { percent, holdMs: hold };
    });
}
