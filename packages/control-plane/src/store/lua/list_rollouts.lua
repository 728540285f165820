--[[
  list_rollouts: services with an active rollout. Read only.
  ARGV[1] key tag
  Derived keys: rollouts
  Reply: {"services", {name, ...}}
]]
return { "services", redis.call("SMEMBERS", K.fixed.rollouts) }
