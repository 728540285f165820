/**
 * One typed wrapper per Lua script: it builds KEYS and ARGV in the order the script's header
 * documents and turns the reply into the Store contract's types.
 */
import { randomUUID } from "node:crypto";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { Redis } from "ioredis";
import { parseChange, parseEndpointRecord, parseJson } from "./change-codec.js";
import { storeFailure } from "./errors.js";
import type { StoreKeys } from "./keys.js";
import { type LuaScript, loadScript, type ScriptArg } from "./lua-script.js";
import { compareById, withDeadline } from "./records.js";
import { asArray, asNumber, asString, chunks } from "./reply.js";
import type {
  Change,
  EndpointRecord,
  ExpiredLease,
  Health,
  MutationResult,
  RegisterResult,
  RenewItem,
  RenewResult,
  ServiceState,
  ServiceSummary,
  SubscriberInfo,
  SubscriberTable,
} from "./types.js";
import { subscriberTableJson } from "./types.js";

const NAMES = [
  "epoch",
  "register",
  "renew",
  "renew_many",
  "deregister",
  "set_admin_drain",
  "remove_endpoint",
  "set_policy",
  "delete_policy",
  "expire_leases",
  "get_service",
  "list_services",
  "changes_since",
  "publish_subscribers",
  "list_subscribers",
] as const;

type ScriptName = (typeof NAMES)[number];
let loaded: Record<ScriptName, LuaScript> | undefined;

function scripts(): Record<ScriptName, LuaScript> {
  loaded ??= Object.fromEntries(NAMES.map((name) => [name, loadScript(name)])) as Record<
    ScriptName,
    LuaScript
  >;
  return loaded;
}

export interface ScriptLimits {
  readonly changeLogLength: number;
  readonly streamMaxLength: number;
}

export class StoreScripts {
  private readonly lua = scripts();

  /** `onEpoch` sees the epoch every mutation returns, so a wiped store is noticed at once. */
  constructor(
    private readonly client: Redis,
    private readonly keys: StoreKeys,
    private readonly limits: ScriptLimits,
    private readonly onEpoch: (epoch: string) => void,
  ) {}

  async epoch(): Promise<string> {
    const epoch = asString(
      await this.lua.epoch.run(this.client, [this.keys.epoch], [this.keys.tag, randomUUID()]),
      "epoch",
    );
    this.onEpoch(epoch);
    return epoch;
  }

  async register(record: EndpointRecord, maxEndpointsPerService: number): Promise<RegisterResult> {
    const reply = await this.mutate(
      "register",
      [
        record.service,
        record.id,
        JSON.stringify(record),
        record.leaseId,
        record.ttlMs,
        record.expiresAtMs,
        record.reportedHealth,
        maxEndpointsPerService,
      ],
      [this.keys.services],
    );
    const status = asString(reply[0], "register.status");
    if (status === "limit_exceeded") return { status, limit: asNumber(reply[1], "register.limit") };
    const epoch = this.epochOf(reply[2], "register");
    const endpoint = parseEndpointRecord(
      parseJson(asString(reply[3], "register.endpoint"), "register.endpoint"),
    );
    return {
      status: "registered",
      leaseId: record.leaseId,
      endpoint,
      version: asNumber(reply[1], "register.version"),
      epoch,
    };
  }

  async renew(leaseId: string, health: Health | undefined, nowMs: number): Promise<RenewResult> {
    const reply = await this.mutate("renew", [leaseId, nowMs, health ?? ""]);
    const status = asString(reply[0], "renew.status");
    if (status === "not_found" || status === "revoked") {
      this.epochOf(reply[1], "renew");
      return { status };
    }
    this.epochOf(reply[4], "renew");
    return {
      status: "active",
      version: asNumber(reply[1], "renew.version"),
      ttlMs: asNumber(reply[2], "renew.ttlMs"),
      changed: asNumber(reply[3], "renew.changed") === 1,
    };
  }

  async renewMany(items: readonly RenewItem[], nowMs: number): Promise<RenewResult[]> {
    const args: ScriptArg[] = [nowMs];
    for (const item of items) args.push(item.leaseId, item.health ?? "");
    const reply = await this.mutate("renew_many", args);
    this.epochOf(reply[0], "renew_many");
    return items.map((_, i) => {
      const at = 1 + i * 4;
      const status = asString(reply[at], "renew_many.status");
      if (status === "not_found" || status === "revoked") return { status };
      return {
        status: "active",
        version: asNumber(reply[at + 1], "renew_many.version"),
        ttlMs: asNumber(reply[at + 2], "renew_many.ttlMs"),
        changed: asNumber(reply[at + 3], "renew_many.changed") === 1,
      };
    });
  }

  async deregister(leaseId: string): Promise<MutationResult> {
    return this.okOrNotFound("deregister", await this.mutate("deregister", [leaseId]));
  }

  async setAdminDrain(service: string, endpointId: string, drained: boolean): Promise<MutationResult> {
    const reply = await this.mutate("set_admin_drain", [service, endpointId, drained ? "1" : "0"]);
    if (asString(reply[0], "set_admin_drain.status") === "not_found") {
      this.epochOf(reply[1], "set_admin_drain");
      return { status: "not_found" };
    }
    this.epochOf(reply[3], "set_admin_drain");
    const changed = asNumber(reply[2], "set_admin_drain.changed") === 1;
    return { status: "ok", version: asNumber(reply[1], "set_admin_drain.version"), changed };
  }

  async removeEndpoint(service: string, endpointId: string, revokeForMs: number): Promise<MutationResult> {
    return this.okOrNotFound(
      "remove_endpoint",
      await this.mutate("remove_endpoint", [service, endpointId, revokeForMs]),
    );
  }

  async setPolicy(service: string, policy: Policy): Promise<{ readonly version: number }> {
    const json = JSON.stringify(Policy.toJSON(policy));
    const reply = await this.mutate("set_policy", [service, json], [this.keys.services]);
    this.epochOf(reply[2], "set_policy");
    return { version: asNumber(reply[1], "set_policy.version") };
  }

  async deletePolicy(service: string): Promise<MutationResult> {
    return this.okOrNotFound("delete_policy", await this.mutate("delete_policy", [service]));
  }

  async expireLeases(nowMs: number, limit: number): Promise<ExpiredLease[]> {
    const reply = await this.mutate("expire_leases", [nowMs, limit]);
    this.epochOf(reply[0], "expire_leases");
    return chunks(asArray(reply[1], "expire_leases.expired"), 4, "expire_leases").map(
      ([service, endpointId, leaseId, version]) => ({
        service: asString(service, "expire_leases.service"),
        endpointId: asString(endpointId, "expire_leases.endpointId"),
        leaseId: asString(leaseId, "expire_leases.leaseId"),
        version: asNumber(version, "expire_leases.version"),
      }),
    );
  }

  async getService(service: string): Promise<ServiceState> {
    const reply = await this.read("get_service", [this.keys.leaseDeadlines], [service]);
    const policyJson = asString(reply[1], "get_service.policy");
    const endpoints = chunks(asArray(reply[3], "get_service.endpoints"), 2, "get_service").map(
      ([raw, deadline]) => {
        const record = parseEndpointRecord(parseJson(asString(raw, "get_service.endpoint"), "endpoint"));
        const score = asString(deadline, "get_service.deadline");
        return score === "" ? record : withDeadline(record, asNumber(score, "get_service.deadline"));
      },
    );
    return {
      service,
      version: asNumber(reply[0], "get_service.version"),
      endpoints: endpoints.sort(compareById),
      policy: policyJson === "" ? undefined : Policy.fromJSON(parseJson(policyJson, "policy")),
      emptiedByAdmin: asString(reply[2], "get_service.emptied") === "1",
    };
  }

  async listServices(): Promise<ServiceSummary[]> {
    const reply = await this.read("list_services", [this.keys.services], []);
    return chunks(reply, 7, "list_services")
      .map(([service, version, endpoints, serving, notServing, draining, hasPolicy]) => ({
        service: asString(service, "list_services.service"),
        version: asNumber(version, "list_services.version"),
        endpoints: asNumber(endpoints, "list_services.endpoints"),
        serving: asNumber(serving, "list_services.serving"),
        notServing: asNumber(notServing, "list_services.notServing"),
        draining: asNumber(draining, "list_services.draining"),
        hasPolicy: asNumber(hasPolicy, "list_services.hasPolicy") === 1,
      }))
      .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }

  async changesSince(service: string, version: number): Promise<Change[] | undefined> {
    const reply = await this.read("changes_since", [], [service, version]);
    if (asString(reply[0], "changes_since.status") === "gone") return undefined;
    // The log is newest first.
    return asArray(reply[1], "changes_since.changes")
      .map((raw) => parseChange(asString(raw, "changes_since.change")))
      .reverse();
  }

  async publishSubscribers(replicaId: string, subscribers: SubscriberTable, ttlMs: number): Promise<void> {
    const args = [this.keys.tag, replicaId, subscriberTableJson(subscribers), ttlMs];
    await this.lua.publish_subscribers.run(this.client, [this.keys.replicas], args);
  }

  async listSubscribers(): Promise<SubscriberInfo[]> {
    const reply = await this.read("list_subscribers", [this.keys.replicas], []);
    return chunks(reply, 2, "list_subscribers")
      .map(([replica, json]) => [
        asString(replica, "list_subscribers.replica"),
        asString(json, "list_subscribers.list"),
      ])
      .sort(([a = ""], [b = ""]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(
        ([, json = "[]"]) =>
          asArray(parseJson(json, "subscriber list"), "subscriber list") as SubscriberInfo[],
      );
  }

  private async mutate(name: ScriptName, args: readonly ScriptArg[], extraKeys: readonly string[] = []) {
    const keys = [this.keys.epoch, this.keys.changes, this.keys.leaseDeadlines, ...extraKeys];
    const common = [this.keys.tag, randomUUID(), this.limits.changeLogLength, this.limits.streamMaxLength];
    return asArray(await this.lua[name].run(this.client, keys, [...common, ...args]), name);
  }

  private async read(name: ScriptName, keys: readonly string[], args: readonly ScriptArg[]) {
    return asArray(await this.lua[name].run(this.client, keys, [this.keys.tag, ...args]), name);
  }

  private okOrNotFound(name: ScriptName, reply: unknown[]): MutationResult {
    if (asString(reply[0], `${name}.status`) === "not_found") {
      this.epochOf(reply[1], name);
      return { status: "not_found" };
    }
    this.epochOf(reply[2], name);
    return { status: "ok", version: asNumber(reply[1], `${name}.version`), changed: true };
  }

  private epochOf(value: unknown, name: string): string {
    const epoch = asString(value, `${name}.epoch`);
    if (epoch === "") throw storeFailure(`${name} returned no epoch`);
    this.onEpoch(epoch);
    return epoch;
  }
}
