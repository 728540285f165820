// How values read on the page.

export const HEALTH = {
  HEALTH_STATUS_SERVING: "serving",
  HEALTH_STATUS_NOT_SERVING: "not serving",
  HEALTH_STATUS_DRAINING: "draining",
  HEALTH_STATUS_UNSPECIFIED: "unknown",
};

export function health(value) {
  return HEALTH[value] ?? HEALTH.HEALTH_STATUS_UNSPECIFIED;
}

export function duration(ms) {
  const s = Math.floor(Number(ms ?? 0) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const h = Math.floor(s / 3600);
  return h < 48 ? `${h}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(h / 24)}d`;
}

export function time(ms) {
  return new Date(ms).toLocaleTimeString();
}

export function metadata(map) {
  return Object.entries(map ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** A share (0..1) as a percentage: "75%", "0.5%". */
export function percent(share) {
  const p = Number(share ?? 0) * 100;
  return `${p === 0 || p >= 10 ? Math.round(p) : Number(p.toFixed(2))}%`;
}

export const BREAKER = {
  REPORTED_BREAKER_STATE_CLOSED: "closed",
  REPORTED_BREAKER_STATE_OPEN: "open",
  REPORTED_BREAKER_STATE_HALF_OPEN: "half-open",
};

export function breaker(value) {
  return BREAKER[value] ?? "none";
}
