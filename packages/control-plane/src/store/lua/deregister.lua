--[[
  deregister: removes a lease's endpoint at once (reason DEREGISTERED).
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] lease id
  Derived keys: lease:<id>, svc:<service>:{endpoints,meta,log}
  Returns {"ok", version, epoch, service, endpoint id} or {"not_found", epoch}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local lease_id = ARGV[5]
local lease = redis.call("HMGET", K.lease(lease_id), "service", "endpoint")
if not lease[1] then return { "not_found", ctx.epoch } end
local version = remove_endpoint(ctx, lease[1], lease[2], lease_id, "DEREGISTERED")
return { "ok", version, ctx.epoch, lease[1], lease[2] }
