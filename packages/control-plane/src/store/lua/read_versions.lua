--[[
  read_versions: the current epoch and the versions of some services, read in one step, to
  compare with what a replica has already seen (after a reconnect, perhaps to a promoted
  replica that missed the last writes). Read only.
  KEYS[1] epoch
  ARGV[1] key tag, ARGV[2..] services
  Derived keys: svc:<service>:meta, version-floor (an unknown service's version)
  Reply: {"epoch", e or "" when missing, "versions", {v, ...} in the order asked}
]]
local versions = {}
for i = 2, #ARGV do
  table.insert(versions, current_version(ARGV[i]))
end
return { "epoch", redis.call("GET", KEYS[1]) or "", "versions", versions }
