--[[
  remove_endpoint: an operator removes an endpoint (reason ADMIN_REMOVED); its lease is revoked
  for a while, and a service left empty is marked emptied_by_admin.
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] endpoint id, ARGV[10] revocation ms (0: none)
  Derived keys: svc:<service>:{endpoints,meta,log}, lease:<id>, revoked:<id>, request:<id>
  Reply: {"status", "ok", "version", v, "epoch", e} | {"status", "not_found", "epoch", e}
]]
return run_mutation("remove_endpoint", function(ctx)
  ensure_epoch(ctx)
  local service, endpoint_id, revoke_ms = ARGV[8], ARGV[9], tonumber(ARGV[10])
  local raw = redis.call("HGET", K.serviceEndpoints(service), endpoint_id)
  if not raw then return { "status", "not_found", "epoch", ctx.epoch } end
  local lease_id = cjson.decode(raw).leaseId
  if revoke_ms > 0 then redis.call("SET", K.revoked(lease_id), "1", "PX", revoke_ms) end
  if redis.call("HLEN", K.serviceEndpoints(service)) == 1 then
    redis.call("HSET", K.serviceMeta(service), "emptied_by_admin", "1")
  end
  local version = remove_endpoint(ctx, service, endpoint_id, lease_id, "ADMIN_REMOVED")
  return { "status", "ok", "version", version, "epoch", ctx.epoch }
end)
