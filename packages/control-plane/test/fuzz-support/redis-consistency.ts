/**
 * Reads everything a RedisStore wrote (the layout of src/store/keys.ts) in one atomic step (a
 * Lua script, so a lease expiring meanwhile cannot tear the picture) and lists every way it
 * disagrees with itself: endpoints without a lease or a deadline and the reverse, versions behind
 * or ahead of the change-log head, gaps in a log, unreadable records, keys of a wrong type or of
 * no known family, keys outside the prefix. An empty `problems` list means consistent.
 */
import { validateRouteTable } from "@switchboard/core";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { Redis } from "ioredis";
import { parseChange, parseEndpointRecord } from "../../src/store/change-codec.js";
import { type StoreKeys, storeKeys } from "../../src/store/keys.js";

export interface ConsistencyOptions {
  readonly url: string;
  readonly keyPrefix: string;
  /** Also report keys outside the prefix (only on a server the test owns). Default true. */
  readonly wholeServer?: boolean;
  /** Change-log length the store was configured with. Default 1000. */
  readonly changeLogLength?: number;
  /** Largest lease TTL the control plane grants, ms (deadlines may not lie further ahead). */
  readonly maxLeaseTtlMs?: number;
}

export interface ConsistencyReport {
  /** Keys examined. */
  readonly keys: number;
  readonly problems: string[];
  readonly services: number;
  readonly endpoints: number;
  readonly leases: number;
}

/** Every key matching ARGV[1]: name, type, PTTL and contents, read in one step. */
const SNAPSHOT = `
local out = {}
for _, key in ipairs(redis.call("KEYS", ARGV[1])) do
  local t = redis.call("TYPE", key).ok
  local v = {}
  if t == "string" then v = { redis.call("GET", key) }
  elseif t == "hash" then v = redis.call("HGETALL", key)
  elseif t == "set" then v = redis.call("SMEMBERS", key)
  elseif t == "zset" then v = redis.call("ZRANGE", key, 0, -1, "WITHSCORES")
  elseif t == "list" then v = redis.call("LRANGE", key, 0, -1)
  elseif t == "stream" then
    for _, e in ipairs(redis.call("XRANGE", key, "-", "+")) do
      table.insert(v, e[1])
      table.insert(v, e[2])
    end
  end
  table.insert(out, key)
  table.insert(out, t)
  table.insert(out, redis.call("PTTL", key))
  table.insert(out, v)
end
return { redis.call("TIME"), out }
`;

type Contents = (string | string[])[];

interface Entry {
  readonly type: string;
  readonly pttl: number;
  readonly value: Contents;
}

class Snapshot {
  constructor(
    readonly entries: ReadonlyMap<string, Entry>,
    readonly nowMs: number,
  ) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  string(key: string): string | undefined {
    const v = this.entries.get(key)?.value[0];
    return typeof v === "string" ? v : undefined;
  }

  hash(key: string): Map<string, string> {
    const v = (this.entries.get(key)?.value ?? []) as string[];
    const out = new Map<string, string>();
    for (let i = 0; i + 1 < v.length; i += 2) out.set(v[i] as string, v[i + 1] as string);
    return out;
  }

  list(key: string): string[] {
    return (this.entries.get(key)?.value ?? []) as string[];
  }

  zset(key: string): Map<string, number> {
    const h = this.hash(key);
    return new Map([...h].map(([m, s]) => [m, Number(s)]));
  }

  /** Stream entries as [id, fields]. */
  stream(key: string): [string, string[]][] {
    const v = this.entries.get(key)?.value ?? [];
    const out: [string, string[]][] = [];
    for (let i = 0; i + 1 < v.length; i += 2) out.push([v[i] as string, v[i + 1] as string[]]);
    return out;
  }
}

async function snapshot(client: Redis, pattern: string): Promise<Snapshot> {
  const [time, flat] = (await client.eval(SNAPSHOT, 0, pattern)) as [
    [string, string],
    (string | number | Contents)[],
  ];
  const entries = new Map<string, Entry>();
  for (let i = 0; i + 3 < flat.length; i += 4) {
    entries.set(flat[i] as string, {
      type: flat[i + 1] as string,
      pttl: Number(flat[i + 2]),
      value: flat[i + 3] as Contents,
    });
  }
  return new Snapshot(entries, Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000));
}

const EXPECTED_TYPE: Readonly<Record<string, string>> = {
  epoch: "string",
  services: "set",
  "lease-deadlines": "zset",
  changes: "stream",
  replicas: "set",
  endpoints: "hash",
  meta: "hash",
  log: "list",
  lease: "hash",
  revoked: "string",
  subscribers: "string",
  request: "string",
  "client-reports": "hash",
  "idle-services": "zset",
  "version-floor": "string",
};

interface Families {
  services: Map<string, Set<string>>;
  leases: Set<string>;
  revoked: Set<string>;
  subscribers: Set<string>;
  requests: Set<string>;
}

/** Sorts every key into its family; reports keys of no family, outside the prefix, of a wrong type. */
function classify(s: Snapshot, tag: string, problems: string[], wholeServer: boolean): Families {
  const f: Families = {
    services: new Map(),
    leases: new Set(),
    revoked: new Set(),
    subscribers: new Set(),
    requests: new Set(),
  };
  const head = `${tag}:`;
  for (const [key, entry] of s.entries) {
    if (!key.startsWith(head)) {
      if (wholeServer) problems.push(`key outside the prefix: ${JSON.stringify(key)}`);
      continue;
    }
    const rest = key.slice(head.length);
    const svc = /^svc:(.+):(endpoints|meta|log)$/.exec(rest);
    let family: string;
    if (svc?.[1] && svc[2]) {
      const parts = f.services.get(svc[1]) ?? new Set();
      parts.add(svc[2]);
      f.services.set(svc[1], parts);
      family = svc[2];
    } else if (rest.startsWith("lease:")) {
      f.leases.add(rest.slice(6));
      family = "lease";
    } else if (rest.startsWith("revoked:")) {
      f.revoked.add(rest.slice(8));
      family = "revoked";
    } else if (rest.startsWith("subscribers:")) {
      f.subscribers.add(rest.slice(12));
      family = "subscribers";
    } else if (rest.startsWith("client-reports:")) {
      family = "client-reports";
    } else if (rest.startsWith("request:")) {
      f.requests.add(key);
      family = "request";
    } else if (
      [
        "epoch",
        "services",
        "lease-deadlines",
        "changes",
        "replicas",
        "idle-services",
        "version-floor",
      ].includes(rest)
    )
      family = rest;
    else {
      problems.push(`key of no known family: ${JSON.stringify(key)}`);
      continue;
    }
    if (entry.type !== EXPECTED_TYPE[family])
      problems.push(`${key} is a ${entry.type}, expected a ${EXPECTED_TYPE[family]}`);
  }
  return f;
}

/** Every check, on one atomic read of the store. */
export async function checkRedisConsistency(o: ConsistencyOptions): Promise<ConsistencyReport> {
  const client = new Redis(o.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await client.connect();
  try {
    const k = storeKeys(o.keyPrefix);
    const wholeServer = o.wholeServer ?? true;
    return check(await snapshot(client, wholeServer ? "*" : `${k.tag}:*`), k, o, wholeServer);
  } finally {
    client.disconnect();
  }
}

function check(s: Snapshot, k: StoreKeys, o: ConsistencyOptions, wholeServer: boolean): ConsistencyReport {
  const problems: string[] = [];
  const f = classify(s, k.tag, problems, wholeServer);
  const epoch = s.string(k.epoch);
  if ([...s.entries.keys()].some((key) => key.startsWith(`${k.tag}:`)) && !epoch)
    problems.push("data without an epoch");
  const serviceSet = new Set(s.list(k.services));
  const deadlines = s.zset(k.leaseDeadlines);
  const leaseOwners = new Set<string>();
  let endpoints = 0;
  const maxTtl = o.maxLeaseTtlMs ?? 86_400_000;
  for (const service of f.services.keys()) {
    if (!serviceSet.has(service))
      problems.push(`service ${JSON.stringify(service)} has keys but is not in the services set`);
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(service))
      problems.push(`service key with an invalid name ${JSON.stringify(service)}`);
    for (const [id, raw] of s.hash(k.serviceEndpoints(service))) {
      endpoints += 1;
      const where = `${service}/${id}`;
      let record: ReturnType<typeof parseEndpointRecord>;
      try {
        record = parseEndpointRecord(JSON.parse(raw), where);
      } catch (error) {
        problems.push(`${where}: unreadable record: ${(error as Error).message}`);
        continue;
      }
      if (record.id !== id) problems.push(`${where}: record id ${record.id}`);
      if (record.service !== service) problems.push(`${where}: record service ${record.service}`);
      leaseOwners.add(record.leaseId);
      const lease = s.hash(k.lease(record.leaseId));
      if (lease.size === 0)
        problems.push(`${where}: its lease ${record.leaseId.slice(0, 8)}... has no lease hash`);
      else {
        if (lease.get("service") !== service || lease.get("endpoint") !== id)
          problems.push(`${where}: its lease points at ${lease.get("service")}/${lease.get("endpoint")}`);
        if (lease.get("health") !== record.reportedHealth)
          problems.push(`${where}: lease health ${lease.get("health")} but record ${record.reportedHealth}`);
        if (Number(lease.get("ttl")) !== record.ttlMs)
          problems.push(`${where}: lease ttl ${lease.get("ttl")} but record ${record.ttlMs}`);
      }
      const deadline = deadlines.get(record.leaseId);
      if (deadline === undefined) problems.push(`${where}: its lease has no deadline in lease-deadlines`);
      else if (deadline > s.nowMs + Math.min(maxTtl, record.ttlMs) + 5000)
        problems.push(`${where}: lease deadline ${deadline - s.nowMs} ms ahead, TTL ${record.ttlMs}`);
    }
    checkMetaAndLog(s, k, service, problems, o.changeLogLength ?? 1000);
  }
  for (const id of f.leases) {
    const lease = s.hash(k.lease(id));
    if (!leaseOwners.has(id))
      problems.push(
        `lease ${id.slice(0, 8)}... (${lease.get("service")}/${lease.get("endpoint")}) has no endpoint`,
      );
    if (!deadlines.has(id)) problems.push(`lease ${id.slice(0, 8)}... has no deadline`);
  }
  for (const id of deadlines.keys()) {
    if (!f.leases.has(id)) problems.push(`deadline for lease ${id.slice(0, 8)}... that does not exist`);
  }
  for (const id of f.revoked) {
    if ((s.entries.get(k.revoked(id))?.pttl ?? -1) < 0)
      problems.push(`revocation of ${id.slice(0, 8)}... never expires`);
  }
  for (const key of f.requests) {
    if ((s.entries.get(key)?.pttl ?? -1) < 0) problems.push(`remembered reply ${key} never expires`);
  }
  for (const service of s.zset(k.idleServices).keys()) {
    if (!serviceSet.has(service))
      problems.push(`idle service ${JSON.stringify(service)} is not a known service`);
    const meta = s.hash(k.serviceMeta(service));
    if (s.hash(k.serviceEndpoints(service)).size > 0 || meta.has("policy") || meta.has("routes"))
      problems.push(`idle service ${JSON.stringify(service)} has an endpoint, a policy or a route table`);
  }
  checkSubscribers(s, k, f, problems);
  checkStream(s, k, epoch, problems);
  return { keys: s.entries.size, problems, services: f.services.size, endpoints, leases: f.leases.size };
}

function checkMetaAndLog(
  s: Snapshot,
  k: StoreKeys,
  service: string,
  problems: string[],
  logLength: number,
): void {
  const meta = s.hash(k.serviceMeta(service));
  const version = Number(meta.get("version") ?? 0);
  if (!Number.isSafeInteger(version) || version < 0)
    problems.push(`${service}: version ${meta.get("version")}`);
  for (const field of meta.keys())
    if (!["version", "policy", "emptied_by_admin", "routes", "routes_version"].includes(field))
      problems.push(`${service}: meta field ${field}`);
  const emptied = meta.get("emptied_by_admin");
  if (emptied !== undefined && !["0", "1"].includes(emptied))
    problems.push(`${service}: emptied_by_admin ${emptied}`);
  const policy = meta.get("policy");
  if (policy !== undefined) {
    try {
      JSON.parse(policy);
    } catch {
      problems.push(`${service}: unreadable policy`);
    }
  }
  checkRoutes(service, meta, version, problems);
  const log = s.list(k.serviceLog(service));
  if (log.length > logLength) problems.push(`${service}: change log of ${log.length} > ${logLength}`);
  if (version > 0 && log.length === 0) problems.push(`${service}: version ${version} but no change log`);
  let expected = version;
  for (const [i, raw] of log.entries()) {
    let change: ReturnType<typeof parseChange>;
    try {
      change = parseChange(raw);
    } catch (error) {
      problems.push(`${service}: log[${i}] unreadable: ${(error as Error).message}`);
      return;
    }
    if (change.service !== service) problems.push(`${service}: log[${i}] is about ${change.service}`);
    if (change.version !== expected) {
      problems.push(
        `${service}: log[${i}] has version ${change.version}, expected ${expected} (head = meta version)`,
      );
      return;
    }
    expected -= 1;
  }
}

/** A stored route table: valid, with a route version no later than the service's version. */
function checkRoutes(
  service: string,
  meta: ReadonlyMap<string, string>,
  version: number,
  problems: string[],
): void {
  const routes = meta.get("routes");
  const routesVersion = meta.get("routes_version");
  if ((routes === undefined) !== (routesVersion === undefined)) {
    problems.push(`${service}: routes and routes_version must be stored together`);
    return;
  }
  if (routes === undefined) return;
  const at = Number(routesVersion);
  if (!Number.isSafeInteger(at) || at < 1 || at > version)
    problems.push(`${service}: routes_version ${routesVersion} outside 1..${version}`);
  try {
    const checked = validateRouteTable(RouteTable.fromJSON(JSON.parse(routes)));
    if (!checked.ok) problems.push(`${service}: stored routes invalid at ${checked.error.field}`);
  } catch {
    problems.push(`${service}: unreadable routes`);
  }
}

function checkSubscribers(s: Snapshot, k: StoreKeys, f: Families, problems: string[]): void {
  const replicas = new Set(s.list(k.replicas));
  for (const id of f.subscribers) {
    if (!replicas.has(id)) problems.push(`subscribers of ${id} not in the replicas set`);
    if ((s.entries.get(k.subscribers(id))?.pttl ?? -1) < 0)
      problems.push(`subscribers of ${id} never expire`);
    try {
      if (!Array.isArray(JSON.parse(s.string(k.subscribers(id)) ?? "null")))
        problems.push(`subscribers of ${id} is not a list`);
    } catch {
      problems.push(`subscribers of ${id} unreadable`);
    }
  }
}

function checkStream(s: Snapshot, k: StoreKeys, epoch: string | undefined, problems: string[]): void {
  const newest = new Map<string, number>();
  for (const [id, fields] of s.stream(k.changes)) {
    const e = fields[fields.indexOf("e") + 1];
    const c = fields[fields.indexOf("c") + 1];
    if (e === undefined || c === undefined || fields.length !== 4) {
      problems.push(`stream entry ${id} lacks e or c`);
      continue;
    }
    if (e !== epoch)
      problems.push(`stream entry ${id} of epoch ${e.slice(0, 8)}, current ${epoch?.slice(0, 8)}`);
    try {
      const change = parseChange(c);
      const previous = newest.get(change.service) ?? 0;
      if (change.version <= previous)
        problems.push(`stream: ${change.service} version ${change.version} after ${previous}`);
      newest.set(change.service, change.version);
    } catch (error) {
      problems.push(`stream entry ${id} unreadable: ${(error as Error).message}`);
    }
  }
  for (const [service, version] of newest) {
    const current = Number(s.hash(k.serviceMeta(service)).get("version") ?? 0);
    if (version > current)
      problems.push(`stream has ${service} v${version} but the service is at v${current}`);
  }
}
