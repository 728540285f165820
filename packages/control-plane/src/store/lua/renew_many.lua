--[[
  renew_many: renew (see renew.lua) for many leases in one atomic step, in order: one round trip
  instead of one per lease when many keep-alives arrive together.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] now ms, then pairs from ARGV[6]: lease id, health ("" for none)
  Derived keys: as renew.lua, per lease.
  Returns {epoch, then per lease its status, version, ttl ms, changed (0 for not_found and
  revoked)}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local now = tonumber(ARGV[5])
local out = { ctx.epoch }
for i = 6, #ARGV, 2 do
  local r = renew_lease(ctx, ARGV[i], now, ARGV[i + 1])
  table.insert(out, r[1])
  table.insert(out, r[2] or 0)
  table.insert(out, r[3] or 0)
  table.insert(out, r[4] or 0)
end
return out
