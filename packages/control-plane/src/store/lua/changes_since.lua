--[[
  changes_since: the changes of a service after a version, read with that version in one step.
  Read only.
  KEYS: none (the service keys are derived)
  ARGV[1] key tag, ARGV[2] service, ARGV[3] version held by the caller
  Derived keys: svc:<service>:{meta,log}, version-floor
  Reply: {"status", "changes", "changes", {Change JSON, ...} newest first} or {"status", "gone"}
  when the log does not reach back that far (or the version is ahead of the store's).
]]
local service, since = ARGV[2], tonumber(ARGV[3])
local current = current_version(service)
if since > current then return { "status", "gone" } end
local missing = current - since
if missing == 0 then return { "status", "changes", "changes", {} } end
local entries = redis.call("LRANGE", K.serviceLog(service), 0, missing - 1)
if #entries < missing then return { "status", "gone" } end
return { "status", "changes", "changes", entries }
