--[[
  deregister: removes a lease's endpoint at once (reason DEREGISTERED).
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] lease id
  Derived keys: lease:<id>, svc:<service>:{endpoints,meta,log}, request:<id>
  Reply: {"status", "ok", "version", v, "epoch", e, "service", s, "endpoint", id}
         | {"status", "not_found", "epoch", e}
]]
return run_mutation("deregister", function(ctx)
  ensure_epoch(ctx)
  local lease_id = ARGV[8]
  local lease = redis.call("HMGET", K.lease(lease_id), "service", "endpoint")
  if not lease[1] then return { "status", "not_found", "epoch", ctx.epoch } end
  local version = remove_endpoint(ctx, lease[1], lease[2], lease_id, "DEREGISTERED")
  return { "status", "ok", "version", version, "epoch", ctx.epoch, "service", lease[1], "endpoint", lease[2] }
end)
