--[[
  renew: extends a lease; with a new health, records it as a change. The hot path: without a
  health change it writes one sorted-set score and nothing else.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua (no request id: a repeated renewal is harmless)
  ARGV[8] lease id, ARGV[9] health, "" for none
  Derived keys: lease:<id>, revoked:<id>; on a health change svc:<service>:{endpoints,meta,log}
  Reply: {"status", "active", "version", v, "ttl_ms", t, "changed", 0|1, "epoch", e}
    | {"status", "not_found" | "revoked", "epoch", e}
]]
local ctx = mutation_context("renew")
ensure_epoch(ctx)
local result = renew_lease(ctx, ARGV[8], ARGV[9])
table.insert(result, "epoch")
table.insert(result, ctx.epoch)
return result
