--[[
  advance_epoch: starts a new epoch when the store's state is behind what replicas already
  published (acknowledged writes lost in a failover), so clients take fresh snapshots instead
  of seeing versions go back. Only moves from the epoch the caller found behind: when another
  replica (or a wipe) already moved it, that epoch stays.
  KEYS[1] epoch
  ARGV[1] key tag, ARGV[2] the epoch found behind, ARGV[3] the new epoch
  Reply: {"epoch", the epoch now current, "advanced", 1 | 0}
]]
local current = redis.call("GET", KEYS[1])
if current ~= false and current ~= ARGV[2] then return { "epoch", current, "advanced", 0 } end
redis.call("SET", KEYS[1], ARGV[3])
return { "epoch", ARGV[3], "advanced", 1 }
