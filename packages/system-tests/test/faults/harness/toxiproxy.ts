/**
 * Network faults between two parts of the mesh: a toxiproxy-server (installed into .tools/bin
 * by scripts/install-tools.sh) on a free loopback port, driven through its HTTP API. A proxy
 * listens on 127.0.0.1 and forwards to an upstream; toxics degrade it (latency, bandwidth,
 * timeout = black hole, reset_peer, limit_data) and disabling it cuts every connection and
 * refuses new ones.
 *
 * Toxiproxy's directions: "upstream" is what the client sends, "downstream" what it receives.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "@switchboard/control-plane/testing";
import { pollUntil } from "./registry.js";
import type { ScenarioContext } from "./scenario.js";

export const TOXIPROXY_BIN = fileURLToPath(
  new URL("../../../../../.tools/bin/toxiproxy-server", import.meta.url),
);

export type Direction = "upstream" | "downstream";

export type Toxic =
  | { readonly type: "latency"; readonly attributes: { readonly latency: number; readonly jitter?: number } }
  | { readonly type: "bandwidth"; readonly attributes: { readonly rate: number } }
  | { readonly type: "timeout"; readonly attributes: { readonly timeout: number } }
  | { readonly type: "reset_peer"; readonly attributes: { readonly timeout: number } }
  | { readonly type: "limit_data"; readonly attributes: { readonly bytes: number } };

export interface ToxicProxy {
  readonly name: string;
  /** 127.0.0.1:port the proxy listens on. */
  readonly listen: string;
  /** Adds a toxic on one direction; resolves with its name (for `removeToxic`). */
  addToxic(toxic: Toxic, direction: Direction, name?: string): Promise<string>;
  removeToxic(name: string): Promise<void>;
  /** Disabled: every connection is closed and new ones are refused. */
  setEnabled(enabled: boolean): Promise<void>;
}

export interface Toxiproxy {
  readonly apiPort: number;
  proxy(name: string, upstream: string): Promise<ToxicProxy>;
}

/** Starts toxiproxy-server; throws (never skips) when it is not installed. */
export async function startToxiproxy(ctx: ScenarioContext): Promise<Toxiproxy> {
  if (!existsSync(TOXIPROXY_BIN)) {
    throw new Error(`${TOXIPROXY_BIN} is missing: run bash scripts/install-tools.sh`);
  }
  const apiPort = await freePort();
  const child = await ctx.children.spawn(`toxiproxy-server :${apiPort}`, TOXIPROXY_BIN, [
    "-host",
    "127.0.0.1",
    "-port",
    String(apiPort),
  ]);
  const base = `http://127.0.0.1:${apiPort}`;
  const up = await pollUntil(
    async () =>
      child.running &&
      (await fetch(`${base}/version`)
        .then((r) => r.ok)
        .catch(() => false)),
    10_000,
    50,
  );
  if (up === undefined)
    throw new Error(`toxiproxy-server did not answer on :${apiPort}; stderr: ${child.stderr}`);
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`toxiproxy ${method} ${path}: ${response.status} ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  };
  let toxics = 0;
  return {
    apiPort,
    async proxy(name, upstream) {
      const created = (await api("POST", "/proxies", {
        name,
        listen: "127.0.0.1:0",
        upstream,
        enabled: true,
      })) as { listen: string };
      return {
        name,
        listen: created.listen,
        async addToxic(toxic, direction, toxicName = `${toxic.type}-${direction}-${++toxics}`) {
          await api("POST", `/proxies/${name}/toxics`, {
            name: toxicName,
            type: toxic.type,
            stream: direction,
            toxicity: 1,
            attributes: toxic.attributes,
          });
          return toxicName;
        },
        async removeToxic(toxicName) {
          await api("DELETE", `/proxies/${name}/toxics/${toxicName}`);
        },
        async setEnabled(enabled) {
          await api("POST", `/proxies/${name}`, { enabled });
        },
      };
    },
  };
}
