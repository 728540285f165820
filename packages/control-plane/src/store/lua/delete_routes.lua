--[[
  delete_routes: removes a service's route table; nothing changes when it has none.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service
  Derived keys: svc:<service>:{meta,log}, request:<id>
  Reply: {"status", "ok", "version", v, "epoch", e} | {"status", "not_found", "epoch", e}
]]
return run_mutation("delete_routes", function(ctx)
  ensure_epoch(ctx)
  local service = ARGV[8]
  if redis.call("HDEL", K.serviceMeta(service), "routes", "routes_version") == 0 then
    return { "status", "not_found", "epoch", ctx.epoch }
  end
  local version = record_change(ctx, service, function(v)
    return cjson.encode({ kind = "routes_deleted", service = service, version = v })
  end)
  track_idle(ctx, service)
  return { "status", "ok", "version", version, "epoch", ctx.epoch }
end)
