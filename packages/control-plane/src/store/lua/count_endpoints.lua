--[[
  count_endpoints: the number of endpoints of every known service, one HLEN each and nothing
  decoded: cheap enough for every metrics scrape. Read only.
  KEYS[1] services
  ARGV[1] key tag
  Derived keys: svc:<service>:endpoints
  Reply: {"counts", {{"service", s, "endpoints", n}, ...}}
]]
local out = {}
for _, service in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  table.insert(out, { "service", service, "endpoints", redis.call("HLEN", K.serviceEndpoints(service)) })
end
return { "counts", out }
