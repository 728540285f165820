--[[
  claim_rollout: takes or renews the lease on a service's active rollout. The holder of a live
  lease renews it (same token); anyone takes a lease that ran out, with the token one higher, so
  a write from the previous holder is refused from then on.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua (ARGV[5] is the lease clock)
  ARGV[8] service, ARGV[9] replica id, ARGV[10] lease ms
  Derived keys: rollout:<service>
  Reply: {"status", "none", "epoch", e}
    or {"status", "claimed" | "held", "epoch", e, "rollout", {rollout fields}}
]]
return run_mutation("claim_rollout", function(ctx)
  ensure_epoch(ctx)
  local service, replica, lease_ms = ARGV[8], ARGV[9], tonumber(ARGV[10])
  local key = K.rollout(service)
  local r = redis.call("HMGET", key, "active", "driver", "lease_until")
  if r[1] ~= "1" then return { "status", "none", "epoch", ctx.epoch } end
  local live = (tonumber(r[3]) or 0) > ctx.now
  if live and r[2] ~= replica then
    return { "status", "held", "epoch", ctx.epoch, "rollout", rollout_reply("held", service) }
  end
  if not live then
    redis.call("HINCRBY", key, "token", 1)
    redis.call("HSET", key, "driver", replica)
  end
  redis.call("HSET", key, "lease_until", ctx.now + lease_ms)
  return { "status", "claimed", "epoch", ctx.epoch, "rollout", rollout_reply("claimed", service) }
end)
