--[[
  remove_endpoint: an operator removes an endpoint (reason ADMIN_REMOVED); its lease is revoked
  for a while, and a service left empty is marked emptied_by_admin.
  KEYS[1..3] epoch, changes, lease-deadlines (see lib/common.lua)
  ARGV[1..4] key tag, epoch candidate, change-log length, stream length
  ARGV[5] service, ARGV[6] endpoint id, ARGV[7] revocation ms (0: none)
  Derived keys: svc:<service>:{endpoints,meta,log}, lease:<id>, revoked:<id>
  Returns {"ok", version, epoch} or {"not_found", epoch}.
]]
local ctx = mutation_context()
ensure_epoch(ctx)
local service, endpoint_id, revoke_ms = ARGV[5], ARGV[6], tonumber(ARGV[7])
local raw = redis.call("HGET", K.serviceEndpoints(service), endpoint_id)
if not raw then return { "not_found", ctx.epoch } end
local lease_id = cjson.decode(raw).leaseId
if revoke_ms > 0 then redis.call("SET", K.revoked(lease_id), "1", "PX", revoke_ms) end
if redis.call("HLEN", K.serviceEndpoints(service)) == 1 then
  redis.call("HSET", K.serviceMeta(service), "emptied_by_admin", "1")
end
local version = remove_endpoint(ctx, service, endpoint_id, lease_id, "ADMIN_REMOVED")
return { "ok", version, ctx.epoch }
