--[[
  write_rollout: a compare-and-set on a rollout's fencing token and revision. Stores the new
  document and, in the same step, the service's policy and/or route table (a completed rollout)
  and the new overlay or its end.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] rollout id, ARGV[10] token, ARGV[11] revision, ARGV[12] document JSON,
  ARGV[13] active "1" | "0", ARGV[14] overlay: "keep" | "set" | "clear", ARGV[15] overlay JSON
  (with "set"), ARGV[16] policy JSON to store or "", ARGV[17] route table JSON to store or ""
  Derived keys: rollout:<service>, rollouts, svc:<service>:{meta,log}
  Reply: {"status", "conflict", "epoch", e}
    or {"status", "ok", "version", v, "epoch", e, "rollout", {rollout fields}}
]]
return run_mutation("write_rollout", function(ctx)
  ensure_epoch(ctx)
  local service = ARGV[8]
  local key = K.rollout(service)
  local current = redis.call("HMGET", key, "id", "token", "revision")
  if current[1] ~= ARGV[9] or current[2] ~= ARGV[10] or current[3] ~= ARGV[11] then
    return { "status", "conflict", "epoch", ctx.epoch }
  end
  if ARGV[16] ~= "" then store_policy(ctx, service, ARGV[16]) end
  if ARGV[17] ~= "" then store_routes(ctx, service, ARGV[17]) end
  if ARGV[14] == "set" then store_overlay(ctx, service, ARGV[15]) end
  if ARGV[14] == "clear" then store_overlay(ctx, service, "") end
  redis.call("HSET", key, "doc", ARGV[12], "active", ARGV[13])
  redis.call("HINCRBY", key, "revision", 1)
  if ARGV[13] == "1" then
    redis.call("SADD", K.fixed.rollouts, service)
  else
    redis.call("SREM", K.fixed.rollouts, service)
  end
  return { "status", "ok", "version", current_version(service), "epoch", ctx.epoch,
    "rollout", rollout_reply("ok", service) }
end)
