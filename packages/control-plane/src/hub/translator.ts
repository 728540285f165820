/**
 * Decides, at write time, what one subscription gets next: always the latest state of its
 * service, as a snapshot or as one delta folding every change since the version it holds.
 */
import type { Change } from "../store/types.js";
import { encodeDelta, encodeSnapshot } from "./encode.js";
import { foldDelta, snapshotOf } from "./fold.js";
import { deliveredConfig, deltaFor, snapshotFor, type Variant, variantOf } from "./rollout-view.js";
import type { ServiceEntry } from "./service-entry.js";
import type { Subscription } from "./subscription.js";
import type { SessionHost } from "./types.js";

export interface Outgoing {
  readonly shared: Buffer;
  readonly kind: "snapshot" | "delta";
  readonly version: number;
  /** The route version of the state sent (0: no route table). */
  readonly routeVersion: number;
  /** When the oldest change carried reached this replica (performance.now()); absent for
   * responses that are not pushes of a change (snapshots, resumes). */
  readonly changeAtMs: number | undefined;
}

/** Encoded responses are shared per variant: the cohort's carry the rollout's candidate. */
function cacheKey(base: string, variant: Variant): string {
  return variant === "cohort" ? `${base}c` : base;
}

function snapshot(host: SessionHost, entry: ServiceEntry, variant: Variant): Outgoing {
  const config = deliveredConfig(entry, variant);
  const shared = entry.cached(cacheKey("s", variant), () =>
    encodeSnapshot(host.epoch, snapshotFor(snapshotOf(entry), config)),
  );
  return {
    shared,
    kind: "snapshot",
    version: entry.version,
    routeVersion: config.routes?.routeVersion ?? 0,
    changeAtMs: undefined,
  };
}

function delta(
  host: SessionHost,
  entry: ServiceEntry,
  variant: Variant,
  from: number,
  changes: () => readonly Change[],
  changeAtMs?: number,
): Outgoing {
  const config = deliveredConfig(entry, variant);
  const shared = entry.cached(cacheKey(`d${from}`, variant), () => {
    const all = changes();
    const folded = foldDelta(entry.name, from, entry.version, all);
    return encodeDelta(host.epoch, deltaFor(folded, all, config, variant));
  });
  const routeVersion = config.routes?.routeVersion ?? 0;
  return { shared, kind: "delta", version: entry.version, routeVersion, changeAtMs };
}

/** Changes after `from` up to the entry's version, from the store's log where the hub's own
 * history does not reach back; undefined when neither does (a snapshot is sent instead). */
async function fromLog(host: SessionHost, entry: ServiceEntry, from: number): Promise<Change[] | undefined> {
  const logged = await host.changesSince(entry.name, from);
  if (!logged) return undefined;
  const out = logged.filter((c) => c.version > from && c.version <= entry.version);
  const last = out.length > 0 ? (out[out.length - 1]?.version ?? from) : from;
  if (last < entry.version) {
    const rest = entry.changesAfter(last);
    if (!rest) return undefined;
    for (const item of rest) out.push(item.change);
  }
  const contiguous = out.every((c, i) => c.version === from + 1 + i);
  return contiguous && out.length === entry.version - from ? out : undefined;
}

/** The next response for `sub`, or undefined when there is nothing to send (yet). */
export async function nextResponse(host: SessionHost, sub: Subscription): Promise<Outgoing | undefined> {
  const entry = host.entry(sub.service);
  if (entry?.status !== "ready") return undefined;
  if (sub.epoch !== host.epoch) sub.startEpoch(host.epoch);
  const variant = variantOf(entry.rollout, sub.cohortBucket);
  let from: number;
  if (sub.mode === "snapshot") return snapshot(host, entry, variant);
  if (sub.mode === "resume") {
    if (sub.resumeFrom === entry.version) return delta(host, entry, variant, entry.version, () => []);
    if (sub.resumeFrom > entry.version) return snapshot(host, entry, variant);
    from = sub.resumeFrom;
  } else {
    if (sub.sentVersion === entry.version) return undefined;
    if (sub.sentVersion > entry.version) return snapshot(host, entry, variant);
    from = sub.sentVersion;
  }
  const items = entry.changesAfter(from);
  if (items) {
    const changeAtMs = sub.mode === "live" ? items[0]?.atMs : undefined;
    return delta(host, entry, variant, from, () => items.map((i) => i.change), changeAtMs);
  }
  const version = entry.version;
  const epoch = host.epoch;
  const changes = await fromLog(host, entry, from);
  if (host.entry(sub.service) !== entry || entry.status !== "ready" || host.epoch !== epoch) return undefined;
  if (entry.version !== version || !changes) return changes ? undefined : snapshot(host, entry, variant);
  return delta(host, entry, variant, from, () => changes);
}
