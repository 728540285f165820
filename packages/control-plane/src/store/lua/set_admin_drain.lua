--[[
  set_admin_drain: sets or clears an endpoint's admin drain flag; a change only when it flips.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] endpoint id, ARGV[10] "1" to drain, "0" to release
  Derived keys: svc:<service>:{endpoints,meta,log}, request:<id>
  Reply: {"status", "ok", "version", v, "changed", 0|1, "epoch", e} | {"status", "not_found", "epoch", e}
]]
return run_mutation("set_admin_drain", function(ctx)
  ensure_epoch(ctx)
  local service, endpoint_id, drained = ARGV[8], ARGV[9], ARGV[10] == "1"
  local record = load_record(ctx, service, endpoint_id)
  if not record then return { "status", "not_found", "epoch", ctx.epoch } end
  if record.adminDrained == drained then
    return { "status", "ok", "version", current_version(service), "changed", 0, "epoch", ctx.epoch }
  end
  record.adminDrained = drained
  local json = save_record(service, record)
  local version = record_change(ctx, service, upserted_change(service, json))
  return { "status", "ok", "version", version, "changed", 1, "epoch", ctx.epoch }
end)
