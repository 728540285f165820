--[[
  Shared by every script: the loader prepends the key builders (table K, from keys.ts) and this
  file to each script before sending it, so each script still runs as one atomic unit.

  Conventions of every mutation script:
    KEYS[1] epoch            string
    KEYS[2] changes          stream
    KEYS[3] lease-deadlines  zset
    ARGV[1] key tag "{prefix}" (read by the key builders)
    ARGV[2] epoch candidate: becomes the epoch when the key is missing (new or wiped store)
    ARGV[3] change-log length per service
    ARGV[4] approximate stream length
  Times (ms) are whole numbers below 1e14, so cjson's 14 significant digits keep them exact.
]]

local function mutation_context()
  return {
    epoch_key = KEYS[1],
    changes = KEYS[2],
    deadlines = KEYS[3],
    candidate = ARGV[2],
    log_length = tonumber(ARGV[3]),
    stream_length = tonumber(ARGV[4]),
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

local function current_version(service)
  return tonumber(redis.call("HGET", K.serviceMeta(service), "version")) or 0
end

-- Bumps the service version, then appends the change (JSON made for that version) to the
-- service's capped log and to the shared stream every replica tails.
local function record_change(ctx, service, change_for_version)
  local version = redis.call("HINCRBY", K.serviceMeta(service), "version", 1)
  local change = change_for_version(version)
  local log = K.serviceLog(service)
  redis.call("LPUSH", log, change)
  redis.call("LTRIM", log, 0, ctx.log_length - 1)
  redis.call("XADD", ctx.changes, "MAXLEN", "~", ctx.stream_length, "*", "e", ctx.epoch, "c", change)
  return version
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
  return record_change(ctx, service, removed_change(service, endpoint_id, reason))
end

-- Extends one lease; with a new health, records it as a change. Without a health change it
-- writes one sorted-set score and nothing else (the hot path).
-- Returns {"active", version, ttl ms, changed 0|1}, {"not_found"} or {"revoked"}.
local function renew_lease(ctx, lease_id, now, health)
  local lease = redis.call("HMGET", K.lease(lease_id), "service", "endpoint", "ttl", "health")
  local service = lease[1]
  if not service then
    if redis.call("EXISTS", K.revoked(lease_id)) == 1 then return { "revoked" } end
    return { "not_found" }
  end
  local ttl = tonumber(lease[3])
  redis.call("ZADD", ctx.deadlines, now + ttl, lease_id)
  if health == "" or health == lease[4] then
    return { "active", current_version(service), ttl, 0 }
  end
  local record = load_record(ctx, service, lease[2])
  record.reportedHealth = health
  local json = save_record(service, record)
  redis.call("HSET", K.lease(lease_id), "health", health)
  local version = record_change(ctx, service, upserted_change(service, json))
  return { "active", version, ttl, 1 }
end
