/**
 * What one echo instance did, as the instance itself saw it: the wall time of every call it
 * answered and of every call it refused. Kept in memory and read at the end of a run, so that
 * "which calls still reached this instance" is measured where the calls arrive, not by the
 * client under test.
 */
import { wallMs } from "./clock.js";

/** The instance's own account of the calls it received at or after `sinceMs` (wall ms). */
export interface ServedSummary {
  readonly address: string;
  readonly answered: number;
  readonly refused: number;
  /** Wall ms of the last call received (answered or refused); undefined: none since. */
  readonly lastCallAtMs: number | undefined;
}

export class ServedLog {
  private answeredAt: number[] = [];
  private refusedAt: number[] = [];

  record(answered: boolean): void {
    (answered ? this.answeredAt : this.refusedAt).push(wallMs());
  }

  summarySince(address: string, sinceMs: number): ServedSummary {
    const answered = this.answeredAt.filter((t) => t >= sinceMs);
    const refused = this.refusedAt.filter((t) => t >= sinceMs);
    const all = [...answered, ...refused];
    return {
      address,
      answered: answered.length,
      refused: refused.length,
      lastCallAtMs: all.length === 0 ? undefined : Math.max(...all),
    };
  }
}
