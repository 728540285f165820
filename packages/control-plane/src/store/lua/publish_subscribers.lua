--[[
  publish_subscribers: replaces a replica's subscriber list; it lapses after the TTL.
  KEYS[1] replicas
  ARGV[1] key tag, ARGV[2] replica id, ARGV[3] SubscriberInfo[] JSON, ARGV[4] ttl ms
  Derived keys: subscribers:<replica id>
  Reply: {"status", "ok"}
]]
redis.call("SET", K.subscribers(ARGV[2]), ARGV[3], "PX", ARGV[4])
redis.call("SADD", KEYS[1], ARGV[2])
return { "status", "ok" }
