/**
 * Every Lua script, in one table: the Store method it serves, its file under lua/, the one
 * decoder of its reply into a named object, and whether the control plane guards it (counts
 * and reports its failures, see guarded-store.ts). The script list and the guarded list are
 * both derived from here.
 */
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { parseChange, parseEndpointRecord, parseJson } from "./change-codec.js";
import { storeFailure } from "./errors.js";
import { overlayFromJson, routesFromJson, withDeadline } from "./records.js";
import { asString, NamedReply } from "./reply.js";
import type {
  Change,
  ClientReportEntry,
  EndpointRecord,
  ExpiredLease,
  RenewResult,
  RolloutOverlay,
  RolloutRecord,
  ServiceSummary,
  Store,
} from "./types.js";

/** What every mutation answers besides its own fields. */
interface Epoched {
  readonly epoch: string;
}

export type RegisterReply = Epoched &
  (
    | {
        readonly status: "registered";
        readonly version: number;
        readonly leaseId: string;
        readonly endpoint: EndpointRecord;
      }
    | { readonly status: "limit_exceeded"; readonly limit: number }
    | { readonly status: "address_taken"; readonly endpointId: string; readonly remainingMs: number }
  );

export type MutationReply = Epoched &
  (
    | { readonly status: "ok"; readonly version: number; readonly changed: boolean }
    | { readonly status: "not_found" }
  );

export interface GetServiceReply {
  readonly version: number;
  readonly policy: Policy | undefined;
  readonly routes: RouteTable | undefined;
  readonly emptiedByAdmin: boolean;
  readonly endpoints: EndpointRecord[];
  readonly rollout?: RolloutOverlay;
}

/** A rollout's fields in a reply (lib/common.lua `rollout_reply`); `service` is the caller's. */
function rolloutFields(r: NamedReply): Omit<RolloutRecord, "service"> {
  return {
    id: r.string("id"),
    token: r.number("token"),
    revision: r.number("revision"),
    driver: r.string("driver"),
    leaseExpiresAtMs: r.number("lease_until"),
    active: r.string("active") === "1",
    encoded: r.string("doc"),
  };
}

function nestedRollout(r: NamedReply, what: string): Omit<RolloutRecord, "service"> {
  return rolloutFields(new NamedReply(r.values("rollout"), `${what}.rollout`));
}

export type StartRolloutReply = Epoched &
  (
    | {
        readonly status: "started";
        readonly version: number;
        readonly rollout: Omit<RolloutRecord, "service">;
      }
    | { readonly status: "active"; readonly id: string }
  );

function startRolloutReply(r: NamedReply): StartRolloutReply {
  const epoch = r.string("epoch");
  if (r.string("status") === "active") return { status: "active", id: r.string("id"), epoch };
  return {
    status: "started",
    version: r.number("version"),
    rollout: nestedRollout(r, "start_rollout"),
    epoch,
  };
}

export type WriteRolloutReply = Epoched &
  (
    | { readonly status: "ok"; readonly version: number; readonly rollout: Omit<RolloutRecord, "service"> }
    | { readonly status: "conflict" }
  );

function writeRolloutReply(r: NamedReply): WriteRolloutReply {
  const epoch = r.string("epoch");
  if (r.string("status") === "conflict") return { status: "conflict", epoch };
  return { status: "ok", version: r.number("version"), rollout: nestedRollout(r, "write_rollout"), epoch };
}

export type ClaimRolloutReply = Epoched &
  (
    | { readonly status: "claimed" | "held"; readonly rollout: Omit<RolloutRecord, "service"> }
    | { readonly status: "none" }
  );

function claimRolloutReply(r: NamedReply): ClaimRolloutReply {
  const epoch = r.string("epoch");
  const status = r.string("status");
  if (status === "none") return { status, epoch };
  if (status !== "claimed" && status !== "held")
    throw storeFailure(`claim_rollout: unknown status ${status}`);
  return { status, rollout: nestedRollout(r, "claim_rollout"), epoch };
}

function renewResult(r: NamedReply): RenewResult {
  const status = r.string("status");
  if (status === "not_found" || status === "revoked") return { status };
  if (status !== "active") throw storeFailure(`renew: unknown status ${status}`);
  return { status, version: r.number("version"), ttlMs: r.number("ttl_ms"), changed: r.flag("changed") };
}

function mutationReply(r: NamedReply): MutationReply {
  const epoch = r.string("epoch");
  if (r.string("status") === "not_found") return { status: "not_found", epoch };
  const changed = r.has("changed") ? r.flag("changed") : true;
  return { status: "ok", version: r.number("version"), changed, epoch };
}

export type DeregisterReply = Epoched &
  (
    | {
        readonly status: "ok";
        readonly version: number;
        readonly changed: boolean;
        readonly service: string;
        readonly endpointId: string;
      }
    | { readonly status: "not_found" }
  );

function deregisterReply(r: NamedReply): DeregisterReply {
  const epoch = r.string("epoch");
  if (r.string("status") === "not_found") return { status: "not_found", epoch };
  const service = r.string("service");
  return {
    status: "ok",
    version: r.number("version"),
    changed: true,
    epoch,
    service,
    endpointId: r.string("endpoint"),
  };
}

function registerReply(r: NamedReply): RegisterReply {
  const epoch = r.string("epoch");
  const status = r.string("status");
  if (status === "limit_exceeded") return { status, limit: r.number("limit"), epoch };
  if (status === "address_taken") {
    return { status, endpointId: r.string("endpoint_id"), remainingMs: r.number("ttl_ms"), epoch };
  }
  const endpoint = parseEndpointRecord(parseJson(r.string("endpoint"), "register.endpoint"));
  return {
    status: "registered",
    version: r.number("version"),
    leaseId: r.string("lease_id"),
    endpoint,
    epoch,
  };
}

function getServiceReply(r: NamedReply): GetServiceReply {
  const policyJson = r.string("policy");
  const routesJson = r.string("routes");
  const endpoints = r.list("endpoints").map((e) => {
    const record = parseEndpointRecord(parseJson(e.string("record"), "get_service.record"));
    return e.string("deadline") === "" ? record : withDeadline(record, e.number("deadline"));
  });
  return {
    version: r.number("version"),
    policy: policyJson === "" ? undefined : Policy.fromJSON(parseJson(policyJson, "policy")),
    routes:
      routesJson === ""
        ? undefined
        : routesFromJson(parseJson(routesJson, "routes"), r.number("routes_version")),
    emptiedByAdmin: r.string("emptied_by_admin") === "1",
    endpoints,
    ...(r.string("rollout") === ""
      ? {}
      : { rollout: overlayFromJson(parseJson(r.string("rollout"), "rollout"), r.number("rollout_version")) }),
  };
}

function summary(r: NamedReply): ServiceSummary {
  return {
    service: r.string("service"),
    version: r.number("version"),
    endpoints: r.number("endpoints"),
    serving: r.number("serving"),
    notServing: r.number("not_serving"),
    draining: r.number("draining"),
    hasPolicy: r.flag("has_policy"),
  };
}

function expired(r: NamedReply): ExpiredLease {
  return {
    service: r.string("service"),
    endpointId: r.string("endpoint_id"),
    leaseId: r.string("lease_id"),
    version: r.number("version"),
  };
}

function subscriberLists(r: NamedReply): Array<[replica: string, json: string]> {
  return r.list("replicas").map((x) => [x.string("replica"), x.string("subscribers")]);
}

function clientReports(r: NamedReply): Array<Omit<ClientReportEntry, "service">> {
  return r.list("reports").map((x) => ({
    clientId: x.string("client"),
    receivedAtMs: x.number("at"),
    encoded: x.string("report"),
  }));
}

function changes(r: NamedReply): Change[] | undefined {
  if (r.string("status") === "gone") return undefined;
  // The log is newest first.
  return r
    .values("changes")
    .map((raw) => parseChange(asString(raw, "changes_since.change")))
    .reverse();
}

interface ScriptSpec<T> {
  /** lua/<file>.lua */
  readonly file: string;
  readonly decode: (reply: NamedReply) => T;
  /** Failures are counted and reported as UNAVAILABLE by the control plane's store guard. */
  readonly guarded: boolean;
}

function spec<T>(file: string, decode: (reply: NamedReply) => T, guarded = true): ScriptSpec<T> {
  return { file, decode, guarded };
}

type AsyncStoreMethod = {
  [K in keyof Store]: Store[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[Exclude<keyof Store, "ready" | "close">];

/** Script per Store method. `satisfies` keeps every method covered and nothing else added. */
export const SCRIPTS = {
  epoch: spec("epoch", (r) => ({ epoch: r.string("epoch") })),
  register: spec("register", registerReply),
  renew: spec("renew", (r) => ({ epoch: r.string("epoch"), result: renewResult(r) })),
  renewMany: spec("renew_many", (r) => ({
    epoch: r.string("epoch"),
    results: r.list("results").map(renewResult),
  })),
  deregister: spec("deregister", deregisterReply),
  setAdminDrain: spec("set_admin_drain", mutationReply),
  removeEndpoint: spec("remove_endpoint", mutationReply),
  setPolicy: spec("set_policy", (r) => ({ epoch: r.string("epoch"), version: r.number("version") })),
  deletePolicy: spec("delete_policy", mutationReply),
  setRoutes: spec("set_routes", (r) => ({ epoch: r.string("epoch"), version: r.number("version") })),
  deleteRoutes: spec("delete_routes", mutationReply),
  expireLeases: spec("expire_leases", (r) => ({
    epoch: r.string("epoch"),
    expired: r.list("expired").map(expired),
  })),
  collectIdleServices: spec("collect_idle_services", (r) => ({
    epoch: r.string("epoch"),
    collected: r.values("collected").map((s) => asString(s, "collect_idle_services.service")),
  })),
  getService: spec("get_service", getServiceReply),
  listServices: spec("list_services", (r) => r.list("services").map(summary)),
  endpointCounts: spec(
    "count_endpoints",
    (r) => new Map(r.list("counts").map((c) => [c.string("service"), c.number("endpoints")] as const)),
  ),
  changesSince: spec("changes_since", changes),
  publishSubscribers: spec("publish_subscribers", (r) => ({ status: r.string("status") })),
  listSubscribers: spec("list_subscribers", subscriberLists),
  publishClientReports: spec("publish_client_reports", (r) => ({ stored: r.number("stored") })),
  listClientReports: spec("list_client_reports", clientReports),
  startRollout: spec("start_rollout", startRolloutReply),
  writeRollout: spec("write_rollout", writeRolloutReply),
  claimRollout: spec("claim_rollout", claimRolloutReply),
  getRollout: spec("get_rollout", (r) => (r.string("status") === "none" ? undefined : rolloutFields(r))),
  listRollouts: spec("list_rollouts", (r) =>
    r.values("services").map((s) => asString(s, "list_rollouts.service")),
  ),
} as const satisfies Record<AsyncStoreMethod, ScriptSpec<unknown>>;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptReply<N extends ScriptName> = ReturnType<(typeof SCRIPTS)[N]["decode"]>;

/** The Store methods the control plane guards, from the table above. */
export const GUARDED_OPERATIONS: readonly ScriptName[] = (Object.keys(SCRIPTS) as ScriptName[]).filter(
  (name) => SCRIPTS[name].guarded,
);
