--[[
  list_client_reports: the reports of a service's clients received at or after a time; older
  ones are deleted on the way.
  KEYS: none
  ARGV[1] key tag, ARGV[2] service, ARGV[3] oldest kept (received at, ms)
  Derived keys: client-reports:<service>
  Reply: {"reports", {{"client", id, "at", ms, "report", encoded}, ...}}
]]
local key = K.clientReports(ARGV[2])
local oldest = tonumber(ARGV[3])
local out = {}
local fields = redis.call("HGETALL", key)
for i = 1, #fields, 2 do
  local at, report = string.match(fields[i + 1], "^(%d+):(.*)$")
  if at and tonumber(at) >= oldest then
    table.insert(out, { "client", fields[i], "at", at, "report", report })
  else
    redis.call("HDEL", key, fields[i])
  end
end
return { "reports", out }
