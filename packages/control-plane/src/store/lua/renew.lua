--[[
  renew: extends a lease; with a new health, records it as a change. The hot path: without a
  health change it writes one sorted-set score and nothing else.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] lease id, ARGV[6] now ms, ARGV[7] health, "" for none
  Derived keys: lease:<id>, revoked:<id>; on a health change svc:<service>:{endpoints,meta,log}
  Returns {"active", version, ttl ms, changed 0|1, epoch}, {"not_found", epoch} or
  {"revoked", epoch}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local lease_id, now, health = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local lease = redis.call("HMGET", K.lease(lease_id), "service", "endpoint", "ttl", "health")
local service = lease[1]
if not service then
  if redis.call("EXISTS", K.revoked(lease_id)) == 1 then return { "revoked", ctx.epoch } end
  return { "not_found", ctx.epoch }
end
local ttl = tonumber(lease[3])
local deadline = now + ttl
redis.call("ZADD", ctx.deadlines, deadline, lease_id)
if health == "" or health == lease[4] then
  return { "active", current_version(service), ttl, 0, ctx.epoch }
end

local record = load_record(ctx, service, lease[2])
record.reportedHealth = health
local json = save_record(service, record)
redis.call("HSET", K.lease(lease_id), "health", health)
local version = record_change(ctx, service, upserted_change(service, json))
return { "active", version, ttl, 1, ctx.epoch }
