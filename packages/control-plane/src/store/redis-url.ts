/**
 * The Redis URL forms the store accepts, parsed in one place:
 *
 *   redis://[user:password@]host:port[/db]          one server
 *   rediss://...                                    the same over TLS
 *   redis+sentinel://[[user]:password@]host:port[,host:port...]/<master-name>[?db=N]
 *                                                   the master Sentinel names, followed
 *                                                   through failovers
 *
 * In the Sentinel form the password (and user) authenticate to the Redis servers; the sentinels
 * themselves are reached without one. A sentinel's port defaults to 26379.
 */

export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

export type RedisTarget =
  | { readonly kind: "server"; readonly url: string }
  | {
      readonly kind: "sentinel";
      readonly sentinels: readonly SentinelAddress[];
      readonly masterName: string;
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly db: number;
    };

/** How the accepted forms read in error messages and docs. */
export const REDIS_URL_FORMS = "redis://, rediss:// or redis+sentinel://";

const SENTINEL_URL = /^redis\+sentinel:\/\/(?:([^@/]*)@)?([^/?#@]+)\/([^/?#]+)\/?(?:\?([^#]*))?$/;
const MASTER_NAME = /^[A-Za-z0-9._:-]{1,128}$/;
const DEFAULT_SENTINEL_PORT = 26379;

/** The target a URL names; throws a RangeError saying what is wrong with it. */
export function parseRedisUrl(url: string): RedisTarget {
  if (typeof url !== "string") throw new RangeError(`must be a string (got ${typeof url})`);
  if (/^rediss?:\/\//.test(url)) return { kind: "server", url };
  if (!url.startsWith("redis+sentinel://")) {
    // Only the scheme is quoted: the rest may hold a password.
    const scheme = /^[A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? "no scheme";
    throw new RangeError(`must start with ${REDIS_URL_FORMS} (got ${quote(scheme)})`);
  }
  const match = SENTINEL_URL.exec(url);
  if (!match) {
    throw new RangeError(
      "must read redis+sentinel://[[user]:password@]host:port[,host:port...]/<master-name>[?db=N]",
    );
  }
  const [, userInfo, hostList = "", rawName = "", query] = match;
  const masterName = decodeURIComponent(rawName);
  if (!MASTER_NAME.test(masterName)) {
    throw new RangeError(`master name must be 1..128 of [A-Za-z0-9._:-] (got ${quote(masterName)})`);
  }
  const { username, password } = parseUserInfo(userInfo);
  return {
    kind: "sentinel",
    sentinels: hostList.split(",").map(parseSentinel),
    masterName,
    username,
    password,
    db: parseDb(query),
  };
}

/** Why a URL is refused, or undefined when it is fine. */
export function redisUrlProblem(url: string): string | undefined {
  try {
    parseRedisUrl(url);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Where a URL points, without credentials, for log lines and error messages. */
export function describeRedisTarget(url: string): string {
  try {
    const target = parseRedisUrl(url);
    if (target.kind === "sentinel") {
      const via = target.sentinels.map((s) => `${s.host}:${s.port}`).join(",");
      return `master "${target.masterName}" via sentinels ${via}`;
    }
    const parsed = new URL(target.url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "the configured Redis";
  }
}

function parseUserInfo(userInfo: string | undefined): { username?: string; password?: string } {
  if (userInfo === undefined || userInfo === "") return {};
  const colon = userInfo.indexOf(":");
  if (colon < 0) throw new RangeError("credentials must read [user]:password@ (the password after a colon)");
  const username = decodeURIComponent(userInfo.slice(0, colon));
  const password = decodeURIComponent(userInfo.slice(colon + 1));
  return { ...(username !== "" ? { username } : {}), ...(password !== "" ? { password } : {}) };
}

function parseSentinel(text: string): SentinelAddress {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  const port = Number(match?.[2] ?? DEFAULT_SENTINEL_PORT);
  if (!match?.[1] || port < 1 || port > 65535) {
    throw new RangeError(`sentinel address must be host:port (got ${quote(text)})`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

function parseDb(query: string | undefined): number {
  let db = 0;
  for (const [name, value] of new URLSearchParams(query ?? "")) {
    if (name !== "db") throw new RangeError(`unknown parameter ${quote(name)} (only db is accepted)`);
    db = Number(value);
    if (!/^\d{1,5}$/.test(value) || db > 65535) {
      throw new RangeError(`db must be a whole number in 0..65535 (got ${quote(value)})`);
    }
  }
  return db;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
