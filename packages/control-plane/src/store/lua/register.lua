--[[
  register: adds an endpoint, or replaces the one at the same address (its old lease ends; an
  admin drain on the address stays). One version bump, one change. A live endpoint (lease not
  yet past its deadline) is replaced only by a caller presenting its lease id, or with
  "takeover" allowed (the admin scope); anyone else gets "address_taken".
  KEYS[1..5], ARGV[1..7]: see lib/common.lua
  ARGV[8] service, ARGV[9] endpoint id, ARGV[10] EndpointRecord JSON (its times are set here,
  from the store's now), ARGV[11] lease id, ARGV[12] ttl ms, ARGV[13] health,
  ARGV[14] max endpoints per service, ARGV[15] lease id the caller replaces ("" for none),
  ARGV[16] "1" when the caller may take over a live endpoint
  Derived keys: svc:<service>:{endpoints,meta,log}, lease:<id> (new and replaced), request:<id>
  Reply: {"status", "registered", "version", v, "epoch", e, "lease_id", id, "endpoint", JSON}
    | {"status", "limit_exceeded", "limit", n, "epoch", e}
    | {"status", "address_taken", "endpoint_id", id, "ttl_ms", remaining ms, "epoch", e}
]]
return run_mutation("register", function(ctx)
  ensure_epoch(ctx)
  local service, endpoint_id, lease_id = ARGV[8], ARGV[9], ARGV[11]
  local ttl, limit = tonumber(ARGV[12]), tonumber(ARGV[14])
  local replaces, takeover = ARGV[15], ARGV[16] == "1"
  local endpoints = K.serviceEndpoints(service)

  -- Refusals are checked before anything is written.
  local old_raw = redis.call("HGET", endpoints, endpoint_id)
  local others = redis.call("HLEN", endpoints) - (old_raw and 1 or 0)
  if others >= limit then return { "status", "limit_exceeded", "limit", limit, "epoch", ctx.epoch } end
  local old = old_raw and cjson.decode(old_raw) or nil
  if old and not takeover and replaces ~= old.leaseId then
    local deadline = tonumber(redis.call("ZSCORE", ctx.deadlines, old.leaseId))
    if deadline and deadline > ctx.now then
      return { "status", "address_taken", "endpoint_id", endpoint_id, "ttl_ms", deadline - ctx.now,
        "epoch", ctx.epoch }
    end
  end

  local record = cjson.decode(ARGV[10])
  record.registeredAtMs = ctx.now
  record.renewedAtMs = ctx.now
  record.expiresAtMs = ctx.now + ttl
  if old then
    redis.call("DEL", K.lease(old.leaseId))
    redis.call("ZREM", ctx.deadlines, old.leaseId)
    if old.adminDrained then record.adminDrained = true end
  end
  local record_json = cjson.encode(record)
  redis.call("HSET", endpoints, endpoint_id, record_json)
  redis.call("HSET", K.lease(lease_id), "service", service, "endpoint", endpoint_id, "ttl", ttl, "health", ARGV[13])
  redis.call("ZADD", ctx.deadlines, record.expiresAtMs, lease_id)
  redis.call("SADD", ctx.services, service)
  redis.call("ZREM", ctx.idle, service)
  redis.call("HSET", K.serviceMeta(service), "emptied_by_admin", "0")
  local version = record_change(ctx, service, upserted_change(service, record_json))
  return { "status", "registered", "version", version, "epoch", ctx.epoch, "lease_id", lease_id,
    "endpoint", record_json }
end)
