import type { Clock } from "@switchboard/core";
import { PowerOfChoicesPicker } from "./power-of-choices.js";
import type { BalancerFactory, Pickable, PickContext } from "./types.js";

/**
 * peak_ewma: power of `choiceCount` choices on EndpointLoad.cost(), the peak-sensitive latency
 * average x (calls in flight + 1), so that a slow endpoint and a busy one are both avoided.
 */
export class PeakEwmaPicker<T extends Pickable> extends PowerOfChoicesPicker<T> {
  /** The clock, read once per pick and shared by the candidates' costs. */
  private now = 0;

  constructor(
    endpoints: readonly T[],
    choiceCount: number,
    random: () => number,
    private readonly clock: Clock,
  ) {
    super(endpoints, choiceCount, random);
  }

  override pick(ctx: PickContext): T | undefined {
    this.now = this.clock.now();
    return super.pick(ctx);
  }

  protected cost(endpoint: T): number {
    return endpoint.load.cost(this.now);
  }
}

/** Also applies the policy's `ewmaDecayMs` to every endpoint's load. */
export const peakEwma: BalancerFactory = (endpoints, config, deps) => {
  for (const e of endpoints) e.load.setDecayMs(config.ewmaDecayMs);
  return new PeakEwmaPicker(endpoints, config.choiceCount, deps.random, deps.clock);
};
