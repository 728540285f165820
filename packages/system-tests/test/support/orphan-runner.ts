// A process that starts a mesh through the harness and is then killed by lifecycle-orphans.test.ts:
// redis-server, a control plane on it, and two echo instances (the second one frozen with
// SIGSTOP, as the fault suite freezes instances). Prints one JSON line with every pid it started
// and every port they listen on, then waits to be killed.
import { ChildTracker, launchControlPlane, launchRedis } from "@switchboard/control-plane/testing";
import { launchEchoInstance } from "../../src/index.js";

const tracker = new ChildTracker();
const redis = await launchRedis({ tracker });
const plane = await launchControlPlane({ tracker, redisUrl: redis.url, redisKeyPrefix: redis.keyPrefix });
const running = await launchEchoInstance({ tracker, controlPlane: plane.address });
const frozen = await launchEchoInstance({ tracker, controlPlane: plane.address, freezable: true });
frozen.child.signal("SIGSTOP");
const ports = [redis.port, plane.port, ...[running, frozen].map((i) => Number(i.address.split(":").at(-1)))];
const pids = tracker.all.flatMap((child) => child.pids);
process.stdout.write(`${JSON.stringify({ started: true, pids, ports })}\n`);
setInterval(() => undefined, 60_000);
