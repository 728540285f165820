--[[
  Shared by every script: the loader prepends the key builders (table K, from keys.ts) and this
  file to each script before sending it, so each script still runs as one atomic unit.

  Every script answers a flat key/value table ({"status", "ok", "version", 3, ...}) that one
  decoder per script (script-table.ts) turns into a named object; Redis drops the string keys of
  a Lua table, so the pairs are spelled out. A nested list is a table of such flat tables.

  Conventions of every mutation script:
    KEYS[1] epoch            string
    KEYS[2] changes          stream
    KEYS[3] lease-deadlines  zset
    KEYS[4] services         set
    KEYS[5] idle-services    zset
    ARGV[1] key tag "{prefix}" (read by the key builders)
    ARGV[2] epoch candidate: becomes the epoch when the key is missing (new or wiped store)
    ARGV[3] change-log length per service
    ARGV[4] approximate stream length
    ARGV[5] now ms, or "" for the Redis server's TIME (one clock for every replica)
    ARGV[6] request id, or "" for none: a repeated id answers the first reply and changes nothing
    ARGV[7] how long a request id's reply is remembered (ms)
    ARGV[8..] the script's own arguments
  Times (ms) are whole numbers below 1e14, so cjson's 14 significant digits keep them exact.
]]

local function store_now(arg)
  if arg ~= "" then return tonumber(arg) end
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function mutation_context(operation)
  return {
    epoch_key = KEYS[1],
    changes = KEYS[2],
    deadlines = KEYS[3],
    services = KEYS[4],
    idle = KEYS[5],
    candidate = ARGV[2],
    log_length = tonumber(ARGV[3]),
    stream_length = tonumber(ARGV[4]),
    now = store_now(ARGV[5]),
    request_key = ARGV[6] ~= "" and K.request(operation .. ":" .. ARGV[6]) or nil,
    request_ttl = tonumber(ARGV[7]),
    epoch = nil,
  }
end

-- A missing epoch means the data was wiped: start a new generation so callers notice.
local function ensure_epoch(ctx)
  local epoch = redis.call("GET", ctx.epoch_key)
  if not epoch then
    epoch = ctx.candidate
    redis.call("SET", ctx.epoch_key, epoch)
  end
  ctx.epoch = epoch
  return epoch
end

-- The reply an earlier run with the same request id gave, or nil.
local function remembered_reply(ctx)
  if not ctx.request_key then return nil end
  local raw = redis.call("GET", ctx.request_key)
  if raw then return cjson.decode(raw) end
  return nil
end

-- Remembers the reply for the request id (when there is one) and returns it.
local function answer(ctx, reply)
  if ctx.request_key then
    redis.call("SET", ctx.request_key, cjson.encode(reply), "PX", ctx.request_ttl)
  end
  return reply
end

-- Runs a mutation body once per request id: a retry gets the first reply back unchanged.
local function run_mutation(operation, body)
  local ctx = mutation_context(operation)
  local earlier = remembered_reply(ctx)
  if earlier then return earlier end
  return answer(ctx, body(ctx))
end

-- Collected services leave their last version here, so a service that comes back (or is read
-- while gone) never shows a version below one a subscriber already saw.
local function version_floor()
  return tonumber(redis.call("GET", K.fixed.versionFloor) or "0") or 0
end

local function current_version(service)
  return tonumber(redis.call("HGET", K.serviceMeta(service), "version")) or version_floor()
end

-- Bumps the service version, then appends the change (JSON made for that version) to the
-- service's capped log and to the shared stream every replica tails.
local function record_change(ctx, service, change_for_version)
  local meta = K.serviceMeta(service)
  if redis.call("HEXISTS", meta, "version") == 0 then
    redis.call("HSET", meta, "version", version_floor())
  end
  local version = redis.call("HINCRBY", meta, "version", 1)
  local change = change_for_version(version)
  local log = K.serviceLog(service)
  redis.call("LPUSH", log, change)
  redis.call("LTRIM", log, 0, ctx.log_length - 1)
  redis.call("XADD", ctx.changes, "MAXLEN", "~", ctx.stream_length, "*", "e", ctx.epoch, "c", change)
  return version
end

-- True when a service holds nothing an operator or an instance put there: no endpoint, no
-- policy, no route table.
local function holds_nothing(service)
  local meta = K.serviceMeta(service)
  return redis.call("HLEN", K.serviceEndpoints(service)) == 0
    and redis.call("HEXISTS", meta, "policy") == 0
    and redis.call("HEXISTS", meta, "routes") == 0
end

-- A service that holds nothing is idle from now on (collected after the retention period);
-- one that holds anything is not.
local function track_idle(ctx, service)
  if holds_nothing(service) then
    redis.call("ZADD", ctx.idle, ctx.now, service)
  else
    redis.call("ZREM", ctx.idle, service)
  end
end

-- The endpoint JSON is spliced in as is: it came from TypeScript or from cjson already.
local function upserted_change(service, endpoint_json)
  return function(version)
    return '{"kind":"endpoint_upserted","service":' .. cjson.encode(service) .. ',"version":' .. version
      .. ',"endpoint":' .. endpoint_json .. '}'
  end
end

local function removed_change(service, endpoint_id, reason)
  return function(version)
    return cjson.encode({ kind = "endpoint_removed", service = service, version = version,
      endpointId = endpoint_id, reason = reason })
  end
end

-- The stored record with its live deadline (renewals move only the score in lease-deadlines).
local function load_record(ctx, service, endpoint_id)
  local raw = redis.call("HGET", K.serviceEndpoints(service), endpoint_id)
  if not raw then return nil end
  local record = cjson.decode(raw)
  local deadline = tonumber(redis.call("ZSCORE", ctx.deadlines, record.leaseId))
  if deadline then
    record.expiresAtMs = deadline
    record.renewedAtMs = deadline - record.ttlMs
  end
  return record
end

local function save_record(service, record)
  local json = cjson.encode(record)
  redis.call("HSET", K.serviceEndpoints(service), record.id, json)
  return json
end

local function remove_endpoint(ctx, service, endpoint_id, lease_id, reason)
  redis.call("HDEL", K.serviceEndpoints(service), endpoint_id)
  redis.call("DEL", K.lease(lease_id))
  redis.call("ZREM", ctx.deadlines, lease_id)
  local version = record_change(ctx, service, removed_change(service, endpoint_id, reason))
  track_idle(ctx, service)
  return version
end

-- Extends one lease; with a new health, records it as a change. Without a health change it
-- writes one sorted-set score and nothing else (the hot path).
-- Returns {"status", "active", "version", v, "ttl_ms", t, "changed", 0|1}, {"status",
-- "not_found"} or {"status", "revoked"}.
local function renew_lease(ctx, lease_id, health)
  local lease = redis.call("HMGET", K.lease(lease_id), "service", "endpoint", "ttl", "health")
  local service = lease[1]
  if not service then
    if redis.call("EXISTS", K.revoked(lease_id)) == 1 then return { "status", "revoked" } end
    return { "status", "not_found" }
  end
  local ttl = tonumber(lease[3])
  redis.call("ZADD", ctx.deadlines, ctx.now + ttl, lease_id)
  if health == "" or health == lease[4] then
    return { "status", "active", "version", current_version(service), "ttl_ms", ttl, "changed", 0 }
  end
  local record = load_record(ctx, service, lease[2])
  record.reportedHealth = health
  local json = save_record(service, record)
  redis.call("HSET", K.lease(lease_id), "health", health)
  local version = record_change(ctx, service, upserted_change(service, json))
  return { "status", "active", "version", version, "ttl_ms", ttl, "changed", 1 }
end

-- Stores a service's policy (proto3 JSON, verbatim) and records policy_set; returns the version.
local function store_policy(ctx, service, policy)
  redis.call("HSET", K.serviceMeta(service), "policy", policy)
  redis.call("SADD", ctx.services, service)
  redis.call("ZREM", ctx.idle, service)
  return record_change(ctx, service, function(v)
    return '{"kind":"policy_set","service":' .. cjson.encode(service) .. ',"version":' .. v .. ',"policy":' .. policy .. '}'
  end)
end

-- Stores a service's route table (proto3 JSON without route_version) and records routes_set;
-- the version it produces is its route version. Returns the version.
local function store_routes(ctx, service, routes)
  redis.call("SADD", ctx.services, service)
  redis.call("ZREM", ctx.idle, service)
  local version = record_change(ctx, service, function(v)
    return '{"kind":"routes_set","service":' .. cjson.encode(service) .. ',"version":' .. v .. ',"routes":' .. routes .. '}'
  end)
  redis.call("HSET", K.serviceMeta(service), "routes", routes, "routes_version", version)
  return version
end

-- Sets (overlay JSON) or ends ("") what a staged rollout delivers, recording rollout_stage.
local function store_overlay(ctx, service, overlay)
  local meta = K.serviceMeta(service)
  local version = record_change(ctx, service, function(v)
    return '{"kind":"rollout_stage","service":' .. cjson.encode(service) .. ',"version":' .. v
      .. ',"overlay":' .. (overlay == "" and "null" or overlay) .. '}'
  end)
  if overlay == "" then
    redis.call("HDEL", meta, "rollout", "rollout_version")
  else
    redis.call("HSET", meta, "rollout", overlay, "rollout_version", version)
  end
  return version
end

-- A rollout hash as a flat reply ({"status", status, "id", ..., "doc", ...}).
local function rollout_reply(status, service)
  local r = redis.call("HMGET", K.rollout(service), "id", "token", "revision", "driver", "lease_until",
    "active", "doc")
  return { "status", status, "id", r[1] or "", "token", tonumber(r[2]) or 0, "revision", tonumber(r[3]) or 0,
    "driver", r[4] or "", "lease_until", tonumber(r[5]) or 0, "active", r[6] or "0", "doc", r[7] or "" }
end
