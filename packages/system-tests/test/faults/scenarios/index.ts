import type { Scenario } from "../harness/scenario.js";
import { controlPlaneOutage } from "./control-plane-outage.js";
import { instanceFreeze } from "./instance-freeze.js";
import { instanceKill } from "./instance-kill.js";
import { networkFault } from "./network-faults.js";
import { redisLoss } from "./redis-loss.js";
import { replicaFailover } from "./replica-failover.js";
import { sentinelFailover } from "./sentinel-failover.js";
import { stuckSubscriber } from "./stuck-subscriber.js";

/** Every scenario, in the order the suite runs them. */
export const SCENARIOS: readonly Scenario[] = [
  instanceKill,
  instanceFreeze,
  controlPlaneOutage("redis"),
  controlPlaneOutage("memory"),
  replicaFailover,
  redisLoss("restart"),
  redisLoss("flush"),
  stuckSubscriber,
  sentinelFailover("kill"),
  sentinelFailover("freeze"),
  networkFault("redis-partition"),
  networkFault("redis-one-way"),
  networkFault("redis-slow"),
  networkFault("client-partition"),
  networkFault("client-reset"),
];
