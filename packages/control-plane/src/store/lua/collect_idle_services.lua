--[[
  collect_idle_services: forgets up to `limit` services that have had no endpoint, no policy and
  no route table for longer than the retention period (their meta, log and endpoint hash, and
  their name in the services set). The highest version forgotten is kept in version-floor, from which every
  new or unknown service counts on, so no version a subscriber saw is ever handed out again.
  Safe on every replica at once: a service is collected once, and only while still idle.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] retention ms, ARGV[9] limit
  Derived keys: svc:<service>:{endpoints,meta,log}, version-floor
  Reply: {"epoch", e, "collected", {service, ...}}
]]
local ctx = mutation_context("collect_idle_services")
ensure_epoch(ctx)
local due = redis.call("ZRANGEBYSCORE", ctx.idle, "-inf", ctx.now - tonumber(ARGV[8]), "LIMIT", 0,
  tonumber(ARGV[9]))
local collected = {}
local floor = version_floor()
for _, service in ipairs(due) do
  redis.call("ZREM", ctx.idle, service)
  local meta = K.serviceMeta(service)
  if holds_nothing(service) then
    floor = math.max(floor, tonumber(redis.call("HGET", meta, "version")) or 0)
    redis.call("DEL", meta, K.serviceLog(service), K.serviceEndpoints(service))
    redis.call("SREM", ctx.services, service)
    table.insert(collected, service)
  end
end
if #collected > 0 then redis.call("SET", K.fixed.versionFloor, floor) end
return { "epoch", ctx.epoch, "collected", collected }
