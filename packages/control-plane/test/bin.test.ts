import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { HealthClient } from "@switchboard/core/gen/grpc/health/v1/health.js";
import { DiscoveryClient } from "@switchboard/core/gen/switchboard/v1/discovery.js";
import {
  type Child,
  ChildTracker,
  CONTROL_PLANE_BIN,
  launchControlPlane,
  runControlPlane,
} from "../src/testing/index.js";
import { call } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";

describe("the switchboard-control-plane bin", () => {
  it("starts on the embedded store (saying so), serves, and exits 0 on SIGTERM, ending streams", async () => {
    const bin = await launchControlPlane();
    const health = new HealthClient(bin.address, credentials.createInsecure());
    const discovery = new DiscoveryClient(bin.address, credentials.createInsecure());
    try {
      assert.ok(bin.child.lines.some((l) => l.includes("embedded in-memory store")));
      // That line means an unreachable Redis; the in-memory store is ready at once.
      assert.ok(!bin.child.lines.some((l) => l.includes("waiting for the store to be ready")));
      const open = bin.child.lines.filter((l) => l.includes("calls need no token"));
      assert.equal(open.length, 2, "one warning each for Admin and Registration");
      assert.equal((await call(health.check.bind(health), { service: "" })).status, 1);
      const w = new WatchClient(discovery);
      w.hello("bin-client");
      w.subscribe("svc");
      await w.next();
      const { code } = await bin.stop();
      assert.equal(code, 0);
      const ended = await w.status();
      assert.ok(ended.code === 0 || ended.code === 14, `stream ended with ${ended.code}`);
      assert.ok(bin.child.lines.some((l) => l.includes("control plane stopped")));
    } finally {
      health.close();
      discovery.close();
      await bin.stop();
    }
  });

  it("exits 2 naming the flag on a bad value, and prints help with exit 0", async () => {
    const bad = await runControlPlane(["--lease-ttl-ms", "forever"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--lease-ttl-ms: must be a whole number/);
    const env = await runControlPlane([], { env: { SWITCHBOARD_LISTEN: "not-an-address" } });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /SWITCHBOARD_LISTEN/);
    const help = await runControlPlane(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: switchboard-control-plane/);
  });

  it("exits 2 naming the variable, flag or file when a token is set but empty", async () => {
    const env = await runControlPlane(["--listen", "127.0.0.1:0"], { env: { SWITCHBOARD_ADMIN_TOKEN: "" } });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /SWITCHBOARD_ADMIN_TOKEN: is set but empty/);
    const flag = await runControlPlane(["--registration-token-file="]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--registration-token-file: is empty/);
    const dir = mkdtempSync(join(tmpdir(), "sb-bin-"));
    try {
      const blank = join(dir, "token");
      writeFileSync(blank, "  \n");
      const file = await runControlPlane([], { env: { SWITCHBOARD_REGISTRATION_TOKEN_FILE: blank } });
      assert.equal(file.code, 2);
      assert.ok(
        file.stderr.includes(`SWITCHBOARD_REGISTRATION_TOKEN_FILE: "${blank}" holds no token`),
        file.stderr,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Spawns the bin with stdout into a FIFO whose reader reads one line, then goes away. */
async function binWritingToAbandonedFifo(args: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), "sb-fifo-"));
  const fifo = join(dir, "out");
  execFileSync("mkfifo", [fifo]);
  const tracker = new ChildTracker();
  // The reader: opens the FIFO, reads until the control plane says it listens, then exits.
  const reader = await tracker.spawnNode("fifo reader", [
    "-e",
    `const rl = require("node:readline").createInterface({ input: require("node:fs").createReadStream(${JSON.stringify(fifo)}) });
     rl.on("line", (l) => { if (l.includes("control plane listening")) { process.stdout.write(l + "\\n"); process.exit(0); } });`,
  ]);
  const listening = reader.waitForLine((l) => l.includes("control plane listening"), 20_000, "listen line");
  const fifoFd = openSync(fifo, "w");
  const bin = await tracker.spawnNode("control-plane", [CONTROL_PLANE_BIN, ...args], {
    env: { PATH: process.env.PATH },
    stdout: fifoFd,
  });
  closeSync(fifoFd);
  const line = await listening;
  await reader.exited;
  return {
    bin,
    listening: JSON.parse(line) as { port: number },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A TCP server that accepts connections and never answers: a Redis that hangs. */
async function silentServer(): Promise<{ server: Server; port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe("stopping the bin", () => {
  it("stops on SIGTERM within its grace period when nobody reads its log output any more", async () => {
    const bin = await binWritingToAbandonedFifo(["--listen", "127.0.0.1:0", "--metrics-listen", "off"]);
    const killer = setTimeout(() => void bin.bin.kill(), 20_000);
    try {
      // Log lines now fail with EPIPE: pino's own destination retried them forever, blocking the process.
      const health = new HealthClient(`127.0.0.1:${bin.listening.port}`, credentials.createInsecure());
      assert.equal((await call(health.check.bind(health), { service: "" })).status, 1);
      health.close();
      const started = Date.now();
      bin.bin.signal("SIGTERM");
      const { code } = await bin.bin.exited;
      assert.equal(code, 0);
      assert.ok(Date.now() - started < 5000, `stopped after ${Date.now() - started} ms`);
      assert.match(bin.bin.stderr, /log output failed/);
    } finally {
      clearTimeout(killer);
      bin.cleanup();
    }
  });

  it("stops on SIGTERM within the grace period plus a second while its Redis hangs", async () => {
    const redis = await silentServer();
    const bin = await binOnHangingRedis(redis.port, "300");
    const killer = setTimeout(() => void bin.kill(), 20_000);
    try {
      await bin.waitForLine((l) => l.includes("waiting for the store to be ready"), 20_000, "store wait");
      const started = Date.now();
      bin.signal("SIGTERM");
      const { code } = await bin.exited;
      const took = Date.now() - started;
      assert.equal(code, 0);
      assert.ok(took < 300 + 1000, `exited after ${took} ms`);
    } finally {
      clearTimeout(killer);
      redis.close();
    }
  });

  it("exits at once, with 128 + the signal, on a second signal while stopping", async () => {
    const redis = await silentServer();
    const bin = await binOnHangingRedis(redis.port, "60000");
    const killer = setTimeout(() => void bin.kill(), 20_000);
    try {
      await bin.waitForLine((l) => l.includes("waiting for the store to be ready"), 20_000, "store wait");
      const stopping = bin.waitForLine((l) => l.includes('"msg":"stopping"'), 20_000, "stopping line");
      bin.signal("SIGINT");
      await stopping;
      const started = Date.now();
      bin.signal("SIGTERM");
      const { code } = await bin.exited;
      assert.equal(code, 143);
      assert.ok(Date.now() - started < 2000, `exited after ${Date.now() - started} ms`);
    } finally {
      clearTimeout(killer);
      redis.close();
    }
  });
});

/** The bin on a Redis that accepts connections and never answers (it waits for the store). */
function binOnHangingRedis(redisPort: number, shutdownGraceMs: string): Promise<Child> {
  const args = ["--listen", "127.0.0.1:0", "--metrics-listen", "off", "--shutdown-grace-ms", shutdownGraceMs];
  return new ChildTracker().spawnNode("control-plane", [CONTROL_PLANE_BIN, ...args], {
    env: { PATH: process.env.PATH, REDIS_URL: `redis://127.0.0.1:${redisPort}` },
  });
}
