--[[
  set_policy: stores a service's policy (proto3 JSON, kept verbatim so doubles keep every digit).
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] policy JSON
  Derived keys: svc:<service>:{meta,log}, request:<id>
  Reply: {"status", "ok", "version", v, "epoch", e}
]]
return run_mutation("set_policy", function(ctx)
  ensure_epoch(ctx)
  local version = store_policy(ctx, ARGV[8], ARGV[9])
  return { "status", "ok", "version", version, "epoch", ctx.epoch }
end)
