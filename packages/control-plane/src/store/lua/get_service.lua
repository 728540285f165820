--[[
  get_service: one consistent read of a service. Read only.
  KEYS[1] lease-deadlines
  ARGV[1] key tag, ARGV[2] service
  Derived keys: svc:<service>:{endpoints,meta}
  Returns {version, policy JSON or "", emptied "0"|"1", {endpoint JSON, deadline or "", ...}}.
]]
local service = ARGV[2]
local meta = redis.call("HMGET", K.serviceMeta(service), "version", "policy", "emptied_by_admin")
local endpoints = {}
for _, raw in ipairs(redis.call("HVALS", K.serviceEndpoints(service))) do
  table.insert(endpoints, raw)
  table.insert(endpoints, redis.call("ZSCORE", KEYS[1], cjson.decode(raw).leaseId) or "")
end
return { tonumber(meta[1]) or 0, meta[2] or "", meta[3] or "0", endpoints }
