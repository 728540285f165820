import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { AdminClient, ChildTracker } from "@switchboard/control-plane/testing";
import { stickyBucket } from "@switchboard/core";
import {
  type EchoInstance,
  type StartedControlPlane,
  startControlPlane,
  startEchoInstance,
} from "./support/fixture.js";
import { binomialBounds, splitTable } from "./support/routes.js";

const STICKY_CLIENT = fileURLToPath(new URL("./support/sticky-client-process.ts", import.meta.url));
const SERVICE = "user-service";
const KEYS = 1000;

describe("a sticky split seen from two separate client processes", () => {
  let cp: StartedControlPlane;
  let admin: AdminClient;
  const tracker = new ChildTracker();
  let instances: EchoInstance[];
  const versionOf = new Map<string, string>();

  before(async () => {
    cp = await startControlPlane();
    admin = new AdminClient(cp.address);
    instances = await Promise.all(
      ["v1", "v1", "v2"].map((version) =>
        startEchoInstance(cp.address, { service: SERVICE, metadata: { version } }),
      ),
    );
    for (const [i, version] of ["v1", "v1", "v2"].entries())
      versionOf.set((instances[i] as EchoInstance).address, version);
  });

  after(async () => {
    await tracker.stopAll(2000);
    admin.close();
    await Promise.all(instances.map((i) => i.server.drain()));
    await cp.stop();
  });

  /** A client process; `landings(v)` is the version each key "key-<i>" landed on once it routes by v. */
  async function stickyClient(): Promise<{
    landings(routeVersion: number): Promise<string[]>;
    stop(): Promise<void>;
  }> {
    const args = ["--conditions=source", "--import", "tsx", STICKY_CLIENT, cp.address, SERVICE, "x-user"];
    const child = await tracker.spawnNode("sticky-client", [...args, String(KEYS)], {
      stdin: "pipe",
      stderr: "inherit",
    });
    return {
      async landings(routeVersion) {
        const answer = child.waitForJson((line) => Array.isArray(line.servedBy), 120_000, "its landings");
        child.write(String(routeVersion));
        const { servedBy } = (await answer) as { servedBy: string[] };
        return servedBy.map((address) => versionOf.get(address) ?? `unknown ${address}`);
      },
      async stop() {
        child.process.stdin?.end();
        const { code } = await child.exited;
        assert.equal(code, 0, "the client process ends cleanly");
      },
    };
  }

  it("lands each key on the same version in both, and 90/10 -> 80/20 moves only the keys it must", async (t) => {
    const clients = await Promise.all([stickyClient(), stickyClient()]);
    const landings = async (version: number) => Promise.all(clients.map((c) => c.landings(version)));
    const first = await admin.setRoutes(SERVICE, splitTable(10, "x-user"));
    const [a = [], b] = await landings(first);
    assert.deepEqual(a, b, "both processes send every key to the same version");
    const onV2 = a.filter((v) => v === "v2").length;
    const bounds = binomialBounds(KEYS, 0.1);
    assert.ok(onV2 > bounds.low && onV2 < bounds.high, `${onV2} of ${KEYS} keys on v2 at 90/10`);

    const second = await admin.setRoutes(SERVICE, splitTable(20, "x-user"));
    const [c = [], d] = await landings(second);
    await Promise.all(clients.map((client) => client.stop()));
    assert.deepEqual(c, d);
    const moved = a.flatMap((v, i) => (v !== c[i] ? [i] : []));
    t.diagnostic(`90/10: ${onV2} keys on v2; 80/20: ${moved.length} of ${KEYS} keys moved`);
    assert.deepEqual(
      moved.filter((i) => a[i] !== "v1" || c[i] !== "v2"),
      [],
      "every key that moved went from v1 to v2",
    );
    assert.ok(moved.length > bounds.low && moved.length < bounds.high, `${moved.length} keys moved`);
    // Exactly the keys whose bucket changed hands: [800,000, 900,000).
    const owed = a.flatMap((_, i) => {
      const bucket = stickyBucket(`key-${i}`);
      return bucket >= 800_000 && bucket < 900_000 ? [i] : [];
    });
    assert.deepEqual(moved, owed);
  });
});
