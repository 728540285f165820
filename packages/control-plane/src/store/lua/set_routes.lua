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
  local service, routes = ARGV[8], ARGV[9]
  redis.call("SADD", ctx.services, service)
  redis.call("ZREM", ctx.idle, service)
  local version = record_change(ctx, service, function(v)
    return '{"kind":"routes_set","service":' .. cjson.encode(service) .. ',"version":' .. v .. ',"routes":' .. routes .. '}'
  end)
  redis.call("HSET", K.serviceMeta(service), "routes", routes, "routes_version", version)
  return { "status", "ok", "version", version, "epoch", ctx.epoch }
end)
