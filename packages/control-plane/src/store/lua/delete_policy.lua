--[[
  delete_policy: removes a service's policy; nothing changes when it has none.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] service
  Derived keys: svc:<service>:{meta,log}
  Returns {"ok", version, epoch} or {"not_found", epoch}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local service = ARGV[5]
if redis.call("HDEL", K.serviceMeta(service), "policy") == 0 then return { "not_found", ctx.epoch } end
local version = record_change(ctx, service, function(v)
  return cjson.encode({ kind = "policy_deleted", service = service, version = v })
end)
return { "ok", version, ctx.epoch }
