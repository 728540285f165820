--[[
  expire_leases: removes up to `limit` endpoints whose lease deadline is <= now (reason
  EXPIRED), oldest deadline first. Scripts run one at a time, so replicas sweeping at once
  never expire a lease twice.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] now ms, ARGV[6] limit
  Derived keys: lease:<id>, svc:<service>:{endpoints,meta,log}
  Returns {epoch, {service, endpoint id, lease id, version, ...}}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local due = redis.call("ZRANGEBYSCORE", ctx.deadlines, "-inf", ARGV[5], "LIMIT", 0, tonumber(ARGV[6]))
local expired = {}
for _, lease_id in ipairs(due) do
  local lease = redis.call("HMGET", K.lease(lease_id), "service", "endpoint")
  if lease[1] then
    local version = remove_endpoint(ctx, lease[1], lease[2], lease_id, "EXPIRED")
    table.insert(expired, lease[1])
    table.insert(expired, lease[2])
    table.insert(expired, lease_id)
    table.insert(expired, version)
  else
    -- A deadline whose lease is gone (written by an older layout, say): drop it.
    redis.call("ZREM", ctx.deadlines, lease_id)
  end
end
return { ctx.epoch, expired }
