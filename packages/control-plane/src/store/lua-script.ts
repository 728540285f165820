/**
 * Loads the Lua scripts and runs them by SHA, falling back to EVAL (which also caches the
 * script) when the server does not know it yet: after a restart, a flush of the script cache, or
 * on a fresh server.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import { luaKeyBuilders } from "./keys.js";

export type ScriptArg = string | number;

export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

let prelude: string | undefined;

function readLua(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), "utf8");
}

/** A script from `lua/<name>.lua`, preceded by the key builders and the shared functions. */
export function loadScript(name: string): LuaScript {
  prelude ??= `${luaKeyBuilders()}\n${readLua("lib/common")}\n`;
  return new LuaScript(name, `${prelude}-- ${name}.lua\n${readLua(name)}`);
}
