/**
 * Every Redis key the store uses, in one place.
 *
 * All keys start with `{<keyPrefix>}:`; the braces are a cluster hash tag, so every key lands in
 * one slot and each Lua script may touch any of them. With the default prefix:
 *
 *   {switchboard}:epoch                       string  id of the current store generation
 *   {switchboard}:services                    set     every service name known (not yet collected)
 *   {switchboard}:idle-services               zset    service with no endpoint, policy or routes,
 *                                                     scored by when it became so (ms); collected
 *                                                     after serviceRetentionMs
 *   {switchboard}:version-floor               string  highest version of a collected service: a
 *                                                     new or unknown service counts on from it, so
 *                                                     versions never go back for a service that
 *                                                     returns
 *   {switchboard}:svc:<service>:endpoints     hash    endpoint id -> EndpointRecord JSON
 *   {switchboard}:svc:<service>:meta          hash    version (counter), policy (proto3 JSON),
 *                                                     routes (RouteTable proto3 JSON without
 *                                                     route_version), routes_version (the
 *                                                     version it was stored at),
 *                                                     emptied_by_admin ("0" | "1"), rollout (the
 *                                                     overlay a staged rollout delivers, JSON)
 *                                                     and rollout_version (the version it was
 *                                                     set at)
 *   {switchboard}:svc:<service>:log           list    Change JSON, newest first, capped at
 *                                                     changeLogLength
 *   {switchboard}:lease-deadlines             zset    lease id scored by its deadline (ms)
 *   {switchboard}:lease:<leaseId>             hash    service, endpoint, ttl, health
 *   {switchboard}:revoked:<leaseId>           string  tombstone of a revoked lease, PX revokeForMs
 *   {switchboard}:changes                     stream  fields e (epoch) and c (Change JSON), one
 *                                                     entry per change, MAXLEN ~ streamMaxLength
 *   {switchboard}:replicas                    set     replica ids that published subscribers
 *   {switchboard}:subscribers:<replicaId>     string  SubscriberInfo[] JSON, PX ttlMs
 *   {switchboard}:client-reports:<service>    hash    client id -> "<received at ms>:<report>", the
 *                                                     latest report of each SDK client, PX ttlMs
 *                                                     (refreshed on each publish)
 *   {switchboard}:rollouts                    set     services with an active staged rollout
 *   {switchboard}:rollout:<service>           hash    the service's latest rollout: id, token
 *                                                     (fencing), revision, driver (replica id),
 *                                                     lease_until (ms), active ("0" | "1"), doc
 *                                                     (the rollout document, JSON)
 *   {switchboard}:request:<op>:<requestId>    string  the reply a mutation gave (JSON), PX
 *                                                     requestIdRetentionMs: a retry answers it
 *
 * A record's deadline lives only in `lease-deadlines` (a renewal then writes one score and
 * nothing else); readers rebuild `renewedAtMs`/`expiresAtMs` from it. The lease hash repeats the
 * reported health so a renewal can tell "unchanged" without decoding the record.
 *
 * Scripts receive the fixed keys in KEYS. The per-service, per-lease and per-replica keys, which
 * a script often discovers only at run time (a lease's service, say), it builds with builders
 * generated here (`luaKeyBuilders`), so the layout is written once for TypeScript and Lua alike.
 */

const FIXED = {
  epoch: "epoch",
  services: "services",
  leaseDeadlines: "lease-deadlines",
  changes: "changes",
  replicas: "replicas",
  idleServices: "idle-services",
  versionFloor: "version-floor",
  rollouts: "rollouts",
} as const;

const PER_ITEM = {
  serviceEndpoints: { head: "svc:", tail: ":endpoints" },
  serviceMeta: { head: "svc:", tail: ":meta" },
  serviceLog: { head: "svc:", tail: ":log" },
  lease: { head: "lease:", tail: "" },
  revoked: { head: "revoked:", tail: "" },
  subscribers: { head: "subscribers:", tail: "" },
  request: { head: "request:", tail: "" },
  clientReports: { head: "client-reports:", tail: "" },
  rollout: { head: "rollout:", tail: "" },
} as const;

type FixedKeys = { readonly [K in keyof typeof FIXED]: string };
type PerItemKeys = { readonly [K in keyof typeof PER_ITEM]: (id: string) => string };

export type StoreKeys = FixedKeys &
  PerItemKeys & {
    /** `{keyPrefix}`: what every key starts with (followed by ":"). */
    readonly tag: string;
  };

/** The hash-tagged prefix: "switchboard" -> "{switchboard}". */
export function keyTag(keyPrefix: string): string {
  return `{${keyPrefix}}`;
}

export function storeKeys(keyPrefix: string): StoreKeys {
  const tag = keyTag(keyPrefix);
  const fixed = Object.fromEntries(Object.entries(FIXED).map(([name, suffix]) => [name, `${tag}:${suffix}`]));
  const perItem = Object.fromEntries(
    Object.entries(PER_ITEM).map(([name, { head, tail }]) => [
      name,
      (id: string) => `${tag}:${head}${id}${tail}`,
    ]),
  );
  return { tag, ...(fixed as FixedKeys), ...(perItem as PerItemKeys) };
}

/**
 * Lua source defining a table `K` with the per-item builders of `storeKeys`, over the tag every
 * script receives as ARGV[1]: `K.serviceMeta("user-service")`, `K.lease(leaseId)`, ..., and the
 * fixed keys as `K.fixed.versionFloor`, ...
 */
export function luaKeyBuilders(): string {
  const lines = ["local K = {}", "local TAG = ARGV[1]", "K.fixed = {}"];
  for (const [name, suffix] of Object.entries(FIXED)) lines.push(`K.fixed.${name} = TAG .. ":${suffix}"`);
  for (const [name, { head, tail }] of Object.entries(PER_ITEM)) {
    const end = tail === "" ? "" : ` .. "${tail}"`;
    lines.push(`K.${name} = function(id) return TAG .. ":${head}" .. id${end} end`);
  }
  return `${lines.join("\n")}\n`;
}
