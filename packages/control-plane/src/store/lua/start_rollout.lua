--[[
  start_rollout: records a service's new rollout and its first overlay, unless one is active.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] rollout id, ARGV[10] rollout document JSON, ARGV[11] overlay JSON
  Derived keys: rollout:<service>, rollouts, svc:<service>:{meta,log}
  Reply: {"status", "active", "id", id, "epoch", e}
    or {"status", "started", "version", v, "epoch", e, "rollout", {rollout fields}}
  The token goes on from the service's previous rollout, so it never repeats for a service.
]]
return run_mutation("start_rollout", function(ctx)
  ensure_epoch(ctx)
  local service = ARGV[8]
  local key = K.rollout(service)
  local current = redis.call("HMGET", key, "id", "active", "token")
  if current[2] == "1" then
    return { "status", "active", "id", current[1], "epoch", ctx.epoch }
  end
  local token = (tonumber(current[3]) or 0) + 1
  redis.call("DEL", key)
  redis.call("HSET", key, "id", ARGV[9], "token", token, "revision", 1, "driver", "", "lease_until", 0,
    "active", "1", "doc", ARGV[10])
  redis.call("SADD", K.fixed.rollouts, service)
  redis.call("SADD", ctx.services, service)
  local version = store_overlay(ctx, service, ARGV[11])
  return { "status", "started", "version", version, "epoch", ctx.epoch,
    "rollout", rollout_reply("active", service) }
end)
