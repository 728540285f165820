--[[
  expire_leases: removes up to `limit` endpoints whose lease deadline is <= now (reason
  EXPIRED), oldest deadline first. Scripts run one at a time, so replicas sweeping at once
  never expire a lease twice; with the store's own TIME as now, a replica whose clock runs
  ahead expires nothing early.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] limit
  Derived keys: lease:<id>, svc:<service>:{endpoints,meta,log}
  Reply: {"epoch", e, "expired", {{"service", s, "endpoint_id", id, "lease_id", l, "version", v}, ...}}
]]
local ctx = mutation_context("expire_leases")
ensure_epoch(ctx)
local due = redis.call("ZRANGEBYSCORE", ctx.deadlines, "-inf", ctx.now, "LIMIT", 0, tonumber(ARGV[8]))
local expired = {}
for _, lease_id in ipairs(due) do
  local lease = redis.call("HMGET", K.lease(lease_id), "service", "endpoint")
  if lease[1] then
    local version = remove_endpoint(ctx, lease[1], lease[2], lease_id, "EXPIRED")
    table.insert(expired, { "service", lease[1], "endpoint_id", lease[2], "lease_id", lease_id,
      "version", version })
  else
    -- A deadline whose lease is gone (written by an older layout, say): drop it.
    redis.call("ZREM", ctx.deadlines, lease_id)
  end
end
return { "epoch", ctx.epoch, "expired", expired }
