/**
 * Spaces call starts evenly at `ratePerSecond` (open loop). Each `reserve()` takes the next
 * free slot and says how long to wait for it. Slots missed while every worker was busy are
 * not made up later, so a stall is never followed by a burst. A rate of 0 means closed loop:
 * no waiting at all.
 */
export class Pacer {
  private next = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;

  constructor(
    ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond >= 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`Pacer: ratePerSecond must be >= 0 (got ${ratePerSecond})`);
    }
    this.intervalMs = ratePerSecond === 0 ? 0 : 1000 / ratePerSecond;
  }

  /** Reserves the next slot; returns the ms to wait before starting the call (0: now). */
  reserve(): number {
    if (this.intervalMs === 0) return 0;
    const now = this.now();
    this.next = Math.max(this.next, now);
    const wait = this.next - now;
    this.next += this.intervalMs;
    return wait;
  }
}
