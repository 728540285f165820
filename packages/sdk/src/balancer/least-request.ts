import { PowerOfChoicesPicker } from "./power-of-choices.js";
import type { BalancerFactory, Pickable } from "./types.js";

/** least_request: power of `choiceCount` choices on calls in flight. */
export class LeastRequestPicker<T extends Pickable> extends PowerOfChoicesPicker<T> {
  protected cost(endpoint: T): number {
    return endpoint.load.inFlight;
  }
}

export const leastRequest: BalancerFactory = (endpoints, config, deps) =>
  new LeastRequestPicker(endpoints, config.choiceCount, deps.random);
