/** What a subscriber must never see: a version going back within one epoch. */
import type { WatchEvent } from "./raw-watcher.js";

export interface VersionHistory {
  /** Responses whose version was below the one before it, in the same epoch. */
  readonly backwards: number;
  /** Epochs seen after the first. */
  readonly epochChanges: number;
  /** The first step back, for reports. */
  readonly firstBackwards: string | undefined;
}

export function versionHistory(events: readonly WatchEvent[], service: string): VersionHistory {
  let backwards = 0;
  let epochChanges = 0;
  let firstBackwards: string | undefined;
  let last: WatchEvent | undefined;
  for (const e of events) {
    if (e.service !== service || e.kind === "error") continue;
    if (last && e.epoch !== last.epoch) epochChanges += 1;
    else if (last && e.version < last.version) {
      backwards += 1;
      firstBackwards ??= `${last.version} then ${e.version} (${e.kind}) in epoch ${e.epoch}`;
    }
    last = e;
  }
  return { backwards, epochChanges, firstBackwards };
}
