--[[
  renew_many: renew (see renew.lua) for many leases in one atomic step, in order: one round trip
  instead of one per lease when many keep-alives arrive together.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8..] pairs: lease id, health ("" for none)
  Derived keys: as renew.lua, per lease.
  Reply: {"epoch", e, "results", {renew reply without epoch, ...} in argument order}
]]
local ctx = mutation_context("renew_many")
ensure_epoch(ctx)
local results = {}
for i = 8, #ARGV, 2 do
  table.insert(results, renew_lease(ctx, ARGV[i], ARGV[i + 1]))
end
return { "epoch", ctx.epoch, "results", results }
