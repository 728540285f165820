--[[
  list_subscribers: the lists of every replica whose list has not lapsed; lapsed replicas are
  forgotten on the way.
  KEYS[1] replicas
  ARGV[1] key tag
  Derived keys: subscribers:<replica id>
  Reply: {"replicas", {{"replica", id, "subscribers", SubscriberInfo[] JSON}, ...}}
]]
local out = {}
for _, replica in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  local list = redis.call("GET", K.subscribers(replica))
  if list then
    table.insert(out, { "replica", replica, "subscribers", list })
  else
    redis.call("SREM", KEYS[1], replica)
  end
end
return { "replicas", out }
