--[[
  set_routes: stores a service's route table (proto3 JSON without route_version, kept verbatim);
  the version this change produces is its route version, kept beside it.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] route table JSON
  Derived keys: svc:<service>:{meta,log}, request:<id>
  Reply: {"status", "ok", "version", v, "epoch", e}
]]
return run_mutation("set_routes", function(ctx)
  ensure_epoch(ctx)
  local version = store_routes(ctx, ARGV[8], ARGV[9])
  return { "status", "ok", "version", version, "epoch", ctx.epoch }
end)
