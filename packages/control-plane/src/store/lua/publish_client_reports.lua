--[[
  publish_client_reports: keeps the latest report of each (service, client). A report older
  than the one stored is ignored (a replica that lost the client's stream may publish late).
  Each service's reports lapse together after the TTL unless published again.
  KEYS: none
  ARGV[1] key tag, ARGV[2] ttl ms, then for each report: service, client id, received at (ms),
  encoded report
  Derived keys: client-reports:<service>
  Reply: {"stored", n}
]]
local stored = 0
local touched = {}
for i = 3, #ARGV, 4 do
  local key = K.clientReports(ARGV[i])
  local at = tonumber(ARGV[i + 2])
  local current = redis.call("HGET", key, ARGV[i + 1])
  local current_at = current and tonumber(string.match(current, "^(%d+):")) or nil
  if not current_at or current_at <= at then
    redis.call("HSET", key, ARGV[i + 1], ARGV[i + 2] .. ":" .. ARGV[i + 3])
    stored = stored + 1
  end
  touched[key] = true
end
for key in pairs(touched) do
  redis.call("PEXPIRE", key, ARGV[2])
end
return { "stored", stored }
