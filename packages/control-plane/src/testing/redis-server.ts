/**
 * A real redis-server for tests. With REDIS_URL set, that server is used (nothing is spawned)
 * and each caller gets a key prefix of its own for isolation; otherwise a private
 * `redis-server` is spawned on a free loopback port, through a ChildTracker: it is stopped by
 * `stop()`, killed at process exit should a test forget, and ends by itself should this process
 * die (see child-tracker.ts).
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, Socket } from "node:net";
import { Redis } from "ioredis";
import type { Child } from "./child.js";
import { type ChildTracker, sharedTracker } from "./child-tracker.js";

export interface RedisServerOptions {
  /** Binary to spawn. Default "redis-server" (from PATH). */
  readonly binary?: string;
  /** Port to listen on. Default: a free port. */
  readonly port?: number;
  /** How long to wait for the server to answer PING. Default 10000. */
  readonly startTimeoutMs?: number;
  /** Use this server instead of spawning one. Default: process.env.REDIS_URL. */
  readonly url?: string;
  /** Where the process is tracked. Default: one shared by this module. */
  readonly tracker?: ChildTracker;
}

export interface RedisServerHandle {
  readonly url: string;
  readonly port: number;
  /** A prefix no other caller gets; pass it as the store's keyPrefix. */
  readonly keyPrefix: string;
  /** Pid of the spawned server; undefined when REDIS_URL points at an external one. */
  readonly pid: number | undefined;
  /** True when this handle spawned its own server, so `restart()` and a full FLUSHALL are possible. */
  readonly spawned: boolean;
  /** Stops the spawned server and waits for it to exit; a no-op for an external one. */
  stop(): Promise<void>;
  /** Stops and starts the server on the same port (its data is gone: nothing is persisted). */
  restart(): Promise<void>;
  /** Wipes the data: FLUSHALL on a spawned server; on an external one, only this prefix's keys. */
  flushAll(): Promise<void>;
  /** Deletes the keys a store with this key prefix wrote (default: `keyPrefix`), to leave a
   * shared server as it was found. */
  dropKeys(keyPrefix?: string): Promise<void>;
}

/** A key prefix unique to this process and call. */
export function uniqueKeyPrefix(label = "test"): string {
  return `${label}-${process.pid}-${randomBytes(6).toString("hex")}`;
}

export async function launchRedis(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const external = options.url ?? process.env.REDIS_URL;
  if (external !== undefined && external !== "") return externalServer(external);
  const server: ServerSpec = {
    binary: options.binary ?? "redis-server",
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    tracker: options.tracker ?? sharedTracker,
  };
  let port = options.port ?? (await freePort());
  let child = await spawnWithRetry(server, port, options.port === undefined);
  port = child.port;
  let current: Child | undefined = child.process;
  const keyPrefix = uniqueKeyPrefix();
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    keyPrefix,
    spawned: true,
    get pid() {
      return current?.pid;
    },
    async stop() {
      const stopping = current;
      current = undefined;
      if (stopping) await stopping.stop(STOP_GRACE_MS);
    },
    async restart() {
      const stopping = current;
      current = undefined;
      if (stopping) await stopping.stop(STOP_GRACE_MS);
      child = await spawnWithRetry(server, port, false);
      current = child.process;
    },
    async flushAll() {
      await withClient(url, (client) => client.flushall());
    },
    dropKeys: (prefix = keyPrefix) => dropKeys(url, prefix),
  };
}

function externalServer(url: string): RedisServerHandle {
  const keyPrefix = uniqueKeyPrefix();
  const port = Number(new URL(url).port || 6379);
  return {
    url,
    port,
    keyPrefix,
    pid: undefined,
    spawned: false,
    async stop() {},
    async restart() {
      throw new Error("restart() needs a spawned redis-server; it is not available with REDIS_URL set");
    },
    flushAll: () => dropKeys(url, keyPrefix),
    dropKeys: (prefix = keyPrefix) => dropKeys(url, prefix),
  };
}

async function dropKeys(url: string, keyPrefix: string): Promise<void> {
  await withClient(url, async (client) => {
    // The store wraps its prefix in a hash tag: "{prefix}:...".
    const pattern = `{${keyPrefix}}:*`;
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  });
}

async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** A port nothing listens on right now (another process may still take it: see spawnWithRetry). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

/** The earlier name of `launchRedis`. */
export const startRedisServer = launchRedis;

interface ServerSpec {
  readonly binary: string;
  readonly startTimeoutMs: number;
  readonly tracker: ChildTracker;
}

/** How long a stopping redis-server gets before SIGKILL. */
const STOP_GRACE_MS = 5000;

async function spawnWithRetry(
  server: ServerSpec,
  port: number,
  mayChangePort: boolean,
): Promise<{ process: Child; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      return { process: await spawnServer(server, port), port };
    } catch (error) {
      lastError = error;
      // Lost the race for the free port to another process: try another one.
      if (!mayChangePort || !String(error).includes("Address already in use")) throw error;
      port = await freePort();
    }
  }
  throw lastError;
}

async function spawnServer({ binary, startTimeoutMs, tracker }: ServerSpec, port: number): Promise<Child> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const child = await tracker.spawn(`redis-server :${port}`, binary, args);
  const exited = child.exited.then(async ({ code, signal }): Promise<never> => {
    await child.outputClosed;
    const output = [...child.lines.slice(-20), child.stderr].join("\n");
    throw new Error(`${binary} on port ${port} exited early (${signal ?? code}):\n${output}`);
  });
  exited.catch(() => {});
  try {
    await Promise.race([waitForPong(port, startTimeoutMs), exited]);
  } catch (error) {
    await child.stop(STOP_GRACE_MS);
    throw error;
  }
  return child;
}

async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}
