import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { DiscoveryClient } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import { runBin, startBin } from "./helpers/bin.js";
import { call } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";

describe("the switchboard-control-plane bin", () => {
  it("starts on the embedded store (saying so), serves, and exits 0 on SIGTERM, ending streams", async () => {
    const bin = await startBin(["--listen", "127.0.0.1:0", "--metrics-listen", "off"]);
    const health = new HealthClient(bin.address, credentials.createInsecure());
    const discovery = new DiscoveryClient(bin.address, credentials.createInsecure());
    try {
      assert.ok(bin.lines.some((l) => l.includes("embedded in-memory store")));
      assert.equal((await call(health.check.bind(health), { service: "" })).status, 1);
      const w = new WatchClient(discovery);
      w.hello("bin-client");
      w.subscribe("svc");
      await w.next();
      const code = await bin.stop();
      assert.equal(code, 0);
      const ended = await w.status();
      assert.ok(ended.code === 0 || ended.code === 14, `stream ended with ${ended.code}`);
      assert.ok(bin.lines.some((l) => l.includes("control plane stopped")));
    } finally {
      health.close();
      discovery.close();
      await bin.stop();
    }
  });

  it("exits 2 naming the flag on a bad value, and prints help with exit 0", async () => {
    const bad = await runBin(["--lease-ttl-ms", "forever"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--lease-ttl-ms: must be a whole number/);
    const env = await runBin([], { SWITCHBOARD_LISTEN: "not-an-address" });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /SWITCHBOARD_LISTEN/);
    const help = await runBin(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: switchboard-control-plane/);
  });
});
