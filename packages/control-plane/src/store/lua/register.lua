--[[
  register: adds an endpoint, or replaces the one at the same address (its old lease ends; an
  admin drain on the address stays). One version bump, one change.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua); KEYS[4] services
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] service, ARGV[6] endpoint id, ARGV[7] EndpointRecord JSON, ARGV[8] lease id,
  ARGV[9] ttl ms, ARGV[10] deadline ms, ARGV[11] health, ARGV[12] max endpoints per service
  Derived keys: svc:<service>:endpoints, svc:<service>:meta, svc:<service>:log, lease:<id> (new
  and replaced)
  Returns {"registered", version, epoch, endpoint JSON} or {"limit_exceeded", limit}.
]]
local ctx = mutation_context()
local service, endpoint_id, record_json, lease_id = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local limit = tonumber(ARGV[12])
local endpoints = K.serviceEndpoints(service)

-- The limit is checked before anything is written.
local old_raw = redis.call("HGET", endpoints, endpoint_id)
local others = redis.call("HLEN", endpoints) - (old_raw and 1 or 0)
if others >= limit then return { "limit_exceeded", limit } end

ensure_epoch(ctx)
if old_raw then
  local old = cjson.decode(old_raw)
  redis.call("DEL", K.lease(old.leaseId))
  redis.call("ZREM", ctx.deadlines, old.leaseId)
  if old.adminDrained then
    local record = cjson.decode(record_json)
    record.adminDrained = true
    record_json = cjson.encode(record)
  end
end
redis.call("HSET", endpoints, endpoint_id, record_json)
redis.call("HSET", K.lease(lease_id), "service", service, "endpoint", endpoint_id, "ttl", ARGV[9], "health", ARGV[11])
redis.call("ZADD", ctx.deadlines, ARGV[10], lease_id)
redis.call("SADD", KEYS[4], service)
redis.call("HSET", K.serviceMeta(service), "emptied_by_admin", "0")
local version = record_change(ctx, service, upserted_change(service, record_json))
return { "registered", version, ctx.epoch, record_json }
