--[[
  set_policy: stores a service's policy (proto3 JSON, kept verbatim so doubles keep every digit).
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua); KEYS[4] services
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] service, ARGV[6] policy JSON
  Derived keys: svc:<service>:{meta,log}
  Returns {"ok", version, epoch}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local service, policy = ARGV[5], ARGV[6]
redis.call("HSET", K.serviceMeta(service), "policy", policy)
redis.call("SADD", KEYS[4], service)
local version = record_change(ctx, service, function(v)
  return '{"kind":"policy_set","service":' .. cjson.encode(service) .. ',"version":' .. v .. ',"policy":' .. policy .. '}'
end)
return { "ok", version, ctx.epoch }
