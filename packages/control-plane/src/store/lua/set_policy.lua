--[[
  set_policy: stores a service's policy (proto3 JSON, kept verbatim so doubles keep every digit).
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] policy JSON
  Derived keys: svc:<service>:{meta,log}, request:<id>
  Reply: {"status", "ok", "version", v, "epoch", e}
]]
return run_mutation("set_policy", function(ctx)
  ensure_epoch(ctx)
  local service, policy = ARGV[8], ARGV[9]
  redis.call("HSET", K.serviceMeta(service), "policy", policy)
  redis.call("SADD", ctx.services, service)
  redis.call("ZREM", ctx.idle, service)
  local version = record_change(ctx, service, function(v)
    return '{"kind":"policy_set","service":' .. cjson.encode(service) .. ',"version":' .. v .. ',"policy":' .. policy .. '}'
  end)
  return { "status", "ok", "version", version, "epoch", ctx.epoch }
end)
