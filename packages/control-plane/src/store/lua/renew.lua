--[[
  renew: extends a lease; with a new health, records it as a change. The hot path: without a
  health change it writes one sorted-set score and nothing else.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] lease id, ARGV[6] now ms, ARGV[7] health, "" for none
  Derived keys: lease:<id>, revoked:<id>; on a health change svc:<service>:{endpoints,meta,log}
  Returns {"active", version, ttl ms, changed 0|1, epoch}, {"not_found", epoch} or
  {"revoked", epoch}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local result = renew_lease(ctx, ARGV[5], tonumber(ARGV[6]), ARGV[7])
table.insert(result, ctx.epoch)
return result
