--[[
  get_rollout: a service's latest rollout. Read only.
  ARGV[1] key tag, ARGV[2] service
  Derived keys: rollout:<service>
  Reply: {"status", "none"} or {rollout fields with "status", "found"}
]]
if redis.call("EXISTS", K.rollout(ARGV[2])) == 0 then return { "status", "none" } end
return rollout_reply("found", ARGV[2])
