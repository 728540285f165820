--[[
  set_admin_drain: sets or clears an endpoint's admin drain flag; a change only when it flips.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] service, ARGV[6] endpoint id, ARGV[7] "1" to drain, "0" to release
  Derived keys: svc:<service>:{endpoints,meta,log}
  Returns {"ok", version, changed 0|1, epoch} or {"not_found", epoch}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local service, endpoint_id, drained = ARGV[5], ARGV[6], ARGV[7] == "1"
local record = load_record(ctx, service, endpoint_id)
if not record then return { "not_found", ctx.epoch } end
if record.adminDrained == drained then return { "ok", current_version(service), 0, ctx.epoch } end
record.adminDrained = drained
local json = save_record(service, record)
local version = record_change(ctx, service, upserted_change(service, json))
return { "ok", version, 1, ctx.epoch }
