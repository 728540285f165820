--[[
  get_service: one consistent read of a service. Read only.
  KEYS[1] lease-deadlines
  ARGV[1] key tag, ARGV[2] service
  Derived keys: svc:<service>:{endpoints,meta}, version-floor (an unknown service's version)
  Reply: {"version", v, "policy", JSON or "", "emptied_by_admin", "0"|"1", "routes", JSON or "",
    "routes_version", v, "rollout", overlay JSON or "", "rollout_version", v,
    "endpoints", {{"record", JSON, "deadline", ms or ""}, ...}}
]]
local service = ARGV[2]
local meta = redis.call("HMGET", K.serviceMeta(service), "version", "policy", "emptied_by_admin", "routes",
  "routes_version", "rollout", "rollout_version")
local endpoints = {}
for _, raw in ipairs(redis.call("HVALS", K.serviceEndpoints(service))) do
  local deadline = redis.call("ZSCORE", KEYS[1], cjson.decode(raw).leaseId) or ""
  table.insert(endpoints, { "record", raw, "deadline", deadline })
end
return { "version", tonumber(meta[1]) or version_floor(), "policy", meta[2] or "",
  "emptied_by_admin", meta[3] or "0", "routes", meta[4] or "", "routes_version", meta[5] or "0",
  "rollout", meta[6] or "", "rollout_version", meta[7] or "0",
  "endpoints", endpoints }
