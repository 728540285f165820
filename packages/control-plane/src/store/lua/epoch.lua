--[[
  epoch: the current epoch, created from the candidate when the store holds none.
  KEYS[1] epoch
  ARGV[1] key tag, ARGV[2] epoch candidate
  Reply: {"epoch", e}
]]
local epoch = redis.call("GET", KEYS[1])
if not epoch then
  epoch = ARGV[2]
  redis.call("SET", KEYS[1], epoch)
end
return { "epoch", epoch }
