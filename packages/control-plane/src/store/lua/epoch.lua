--[[
  epoch: the current epoch, created from the candidate when the store holds none.
  KEYS[1] epoch
  ARGV[1] key tag, ARGV[2] epoch candidate
  Returns the epoch (string).
]]
local epoch = redis.call("GET", KEYS[1])
if epoch then return epoch end
redis.call("SET", KEYS[1], ARGV[2])
return ARGV[2]
