/**
 * A Redis Sentinel deployment on loopback: one master and two replicas (redis-server), three
 * sentinels (redis-sentinel, quorum 2) watching them, each on a free port, configuration and
 * data in a temporary directory. The control plane reaches it with `url`
 * (redis+sentinel://...); the scenario breaks the master by pid. Every server is a child of the
 * scenario's tracker: stopped at its cleanup, and gone should the suite itself die.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Child, freePort } from "@switchboard/control-plane/testing";
import { pollUntil } from "./registry.js";
import { redisCommand } from "./resp.js";
import type { ScenarioContext } from "./scenario.js";
import { scenarioTempDir } from "./temp-dir.js";

export const MASTER_NAME = "switchboard";
/** How long a master must be silent before a sentinel calls it down. */
export const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 3000;

export interface RedisNode {
  readonly port: number;
  readonly child: Child;
}

export interface SentinelDeployment {
  /** redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/switchboard */
  readonly url: string;
  readonly servers: readonly RedisNode[];
  readonly sentinels: readonly RedisNode[];
  /** The server the sentinels name as master now. */
  master(): Promise<RedisNode>;
  /** Resolves once the sentinels name a master other than `port`, with when they did. */
  promotedFrom(port: number, timeoutMs: number): Promise<{ node: RedisNode; atMs: number }>;
  /** The replication section of a server's INFO. */
  replication(node: RedisNode): Promise<string>;
}

export async function startSentinels(ctx: ScenarioContext): Promise<SentinelDeployment> {
  const dir = await scenarioTempDir(ctx, "sentinel");
  const ports = await distinctFreePorts(6);
  const serverPorts = ports.slice(0, 3);
  const sentinelPorts = ports.slice(3);
  const [masterPort] = serverPorts as [number];
  const servers = await Promise.all(
    serverPorts.map(async (port, i): Promise<RedisNode> => {
      const args = [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--dbfilename",
        `dump-${port}.rdb`,
        "--save",
        "",
        "--appendonly",
        "no",
        "--repl-diskless-sync-delay",
        "0",
        "--repl-diskless-load",
        "on-empty-db",
        ...(i === 0 ? [] : ["--replicaof", "127.0.0.1", String(masterPort)]),
      ];
      return { port, child: await ctx.children.spawn(`redis-server :${port}`, "redis-server", args) };
    }),
  );
  const replication = async (node: RedisNode) =>
    String(await redisCommand(node.port, ["INFO", "replication"]));
  for (const node of servers.slice(1)) {
    await until(async () => (await replication(node)).includes("master_link_status:up"), "replica sync");
  }
  const sentinels: RedisNode[] = [];
  for (const port of sentinelPorts) {
    const file = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      file,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
        `sentinel parallel-syncs ${MASTER_NAME} 2`,
        "",
      ].join("\n"),
    );
    const child = await ctx.children.spawn(`redis-sentinel :${port}`, "redis-sentinel", [file]);
    sentinels.push({ port, child });
  }
  // Ready when every sentinel knows both replicas and the other two sentinels.
  for (const s of sentinels) {
    await until(async () => {
      const replicas = (await redisCommand(s.port, ["SENTINEL", "REPLICAS", MASTER_NAME])) as unknown[];
      const peers = (await redisCommand(s.port, ["SENTINEL", "SENTINELS", MASTER_NAME])) as unknown[];
      return replicas.length === 2 && peers.length === 2;
    }, "sentinels discovering each other");
  }
  const master = async (): Promise<RedisNode> => {
    for (const s of sentinels) {
      try {
        const args = ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME];
        const reply = (await redisCommand(s.port, args)) as string[];
        const node = servers.find((n) => n.port === Number(reply[1]));
        if (node) return node;
      } catch {
        // try the next sentinel
      }
    }
    throw new Error("no sentinel names a master");
  };
  return {
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(",")}/${MASTER_NAME}`,
    servers,
    sentinels,
    master,
    async promotedFrom(port, timeoutMs) {
      let promoted: RedisNode | undefined;
      const atMs = await pollUntil(
        async () => {
          promoted = await master().catch(() => undefined);
          return promoted !== undefined && promoted.port !== port;
        },
        timeoutMs,
        25,
      );
      if (atMs === undefined || !promoted)
        throw new Error(`no failover from :${port} within ${timeoutMs} ms`);
      return { node: promoted, atMs };
    },
    replication,
  };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const at = await pollUntil(() => check().catch(() => false), timeoutMs, 50);
  if (at === undefined) throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
