--[[
  list_services: every known service with endpoint counts by effective health (an admin drain
  counts as DRAINING whatever the instance reports). Read only; decodes every endpoint, so it
  serves Admin.ListServices, not metrics (see count_endpoints.lua).
  KEYS[1] services
  ARGV[1] key tag
  Derived keys: svc:<service>:{endpoints,meta}
  Reply: {"services", {{"service", s, "version", v, "endpoints", n, "serving", n,
    "not_serving", n, "draining", n, "has_policy", 0|1}, ...}}
]]
local out = {}
for _, service in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  local meta = redis.call("HMGET", K.serviceMeta(service), "version", "policy")
  local total, serving, not_serving, draining = 0, 0, 0, 0
  for _, raw in ipairs(redis.call("HVALS", K.serviceEndpoints(service))) do
    local record = cjson.decode(raw)
    total = total + 1
    if record.adminDrained or record.reportedHealth == "DRAINING" then
      draining = draining + 1
    elseif record.reportedHealth == "SERVING" then
      serving = serving + 1
    else
      not_serving = not_serving + 1
    end
  end
  table.insert(out, { "service", service, "version", tonumber(meta[1]) or 0, "endpoints", total,
    "serving", serving, "not_serving", not_serving, "draining", draining,
    "has_policy", meta[2] and 1 or 0 })
end
return { "services", out }
