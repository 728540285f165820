/**
 * One typed wrapper per Lua script: it builds KEYS and ARGV in the order the script's header
 * documents, and hands the reply to the script's one decoder (script-table.ts).
 */
import { randomUUID } from "node:crypto";
import { Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import type { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import type { Redis } from "ioredis";
import { parseJson } from "./change-codec.js";
import type { StoreKeys } from "./keys.js";
import { type LuaScript, loadScript, type ScriptArg } from "./lua-script.js";
import { compareById, overlayToJson, routesToJson } from "./records.js";
import { NamedReply } from "./reply.js";
import { type MutationReply, SCRIPTS, type ScriptName, type ScriptReply } from "./script-table.js";
import type {
  Change,
  ClaimRolloutResult,
  ClientReportEntry,
  DeregisterResult,
  EndpointRecord,
  ExpiredLease,
  Health,
  MutationResult,
  RegisterResult,
  RenewItem,
  RenewResult,
  RolloutRecord,
  ServiceState,
  ServiceSummary,
  StartRolloutInput,
  StartRolloutResult,
  SubscriberInfo,
  SubscriberTable,
  WriteRolloutInput,
  WriteRolloutResult,
} from "./types.js";
import { subscriberTableJson } from "./types.js";

let loaded: Record<ScriptName, LuaScript> | undefined;

function scripts(): Record<ScriptName, LuaScript> {
  loaded ??= Object.fromEntries(
    Object.entries(SCRIPTS).map(([name, { file }]) => [name, loadScript(file)]),
  ) as Record<ScriptName, LuaScript>;
  return loaded;
}

export interface ScriptLimits {
  readonly changeLogLength: number;
  readonly streamMaxLength: number;
  readonly requestIdRetentionMs: number;
  readonly serviceRetentionMs: number;
  /** "redis": scripts read the server's TIME and ignore the caller's now. */
  readonly leaseClock: "redis" | "caller";
}

/** What a registration asks the register script for, besides the record. */
export interface RegisterArgs {
  readonly maxEndpointsPerService: number;
  readonly replacesLeaseId: string;
  readonly takeover: boolean;
  readonly requestId: string;
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
    const { epoch } = await this.run("epoch", [this.keys.epoch], [this.keys.tag, randomUUID()]);
    this.onEpoch(epoch);
    return epoch;
  }

  async register(record: EndpointRecord, args: RegisterArgs): Promise<RegisterResult> {
    const reply = await this.mutate("register", record.registeredAtMs, args.requestId, [
      record.service,
      record.id,
      JSON.stringify(record),
      record.leaseId,
      record.ttlMs,
      record.reportedHealth,
      args.maxEndpointsPerService,
      args.replacesLeaseId,
      args.takeover ? "1" : "0",
    ]);
    if (reply.status === "limit_exceeded") return { status: reply.status, limit: reply.limit };
    if (reply.status === "address_taken") {
      return { status: reply.status, endpointId: reply.endpointId, remainingMs: reply.remainingMs };
    }
    const { leaseId, endpoint, version, epoch } = reply;
    return { status: "registered", leaseId, endpoint, version, epoch };
  }

  async renew(leaseId: string, health: Health | undefined, nowMs: number): Promise<RenewResult> {
    return (await this.mutate("renew", nowMs, "", [leaseId, health ?? ""])).result;
  }

  async renewMany(items: readonly RenewItem[], nowMs: number): Promise<RenewResult[]> {
    const args: ScriptArg[] = [];
    for (const item of items) args.push(item.leaseId, item.health ?? "");
    return (await this.mutate("renewMany", nowMs, "", args)).results;
  }

  async deregister(leaseId: string, requestId: string): Promise<DeregisterResult> {
    const { epoch: _epoch, ...result } = await this.mutate("deregister", undefined, requestId, [leaseId]);
    return result;
  }

  async setAdminDrain(service: string, endpointId: string, drained: boolean, requestId: string) {
    const args = [service, endpointId, drained ? "1" : "0"];
    return withoutEpoch(await this.mutate("setAdminDrain", undefined, requestId, args));
  }

  async removeEndpoint(service: string, endpointId: string, revokeForMs: number, requestId: string) {
    const args = [service, endpointId, revokeForMs];
    return withoutEpoch(await this.mutate("removeEndpoint", undefined, requestId, args));
  }

  async setPolicy(service: string, policy: Policy, requestId: string): Promise<{ readonly version: number }> {
    const json = JSON.stringify(Policy.toJSON(policy));
    const { version } = await this.mutate("setPolicy", undefined, requestId, [service, json]);
    return { version };
  }

  async deletePolicy(service: string, requestId: string) {
    return withoutEpoch(await this.mutate("deletePolicy", undefined, requestId, [service]));
  }

  async setRoutes(
    service: string,
    routes: RouteTable,
    requestId: string,
  ): Promise<{ readonly version: number }> {
    const json = JSON.stringify(routesToJson(routes));
    const { version } = await this.mutate("setRoutes", undefined, requestId, [service, json]);
    return { version };
  }

  async deleteRoutes(service: string, requestId: string) {
    return withoutEpoch(await this.mutate("deleteRoutes", undefined, requestId, [service]));
  }

  async expireLeases(nowMs: number, limit: number): Promise<ExpiredLease[]> {
    return (await this.mutate("expireLeases", nowMs, "", [limit])).expired;
  }

  async collectIdleServices(nowMs: number, limit: number): Promise<string[]> {
    const args = [this.limits.serviceRetentionMs, limit];
    return (await this.mutate("collectIdleServices", nowMs, "", args)).collected;
  }

  async getService(service: string): Promise<ServiceState> {
    const reply = await this.read("getService", [this.keys.leaseDeadlines], [service]);
    return { service, ...reply, endpoints: reply.endpoints.sort(compareById) };
  }

  async listServices(): Promise<ServiceSummary[]> {
    const services = await this.read("listServices", [this.keys.services], []);
    return services.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }

  endpointCounts(): Promise<ReadonlyMap<string, number>> {
    return this.read("endpointCounts", [this.keys.services], []);
  }

  changesSince(service: string, version: number): Promise<Change[] | undefined> {
    return this.read("changesSince", [], [service, version]);
  }

  async publishSubscribers(replicaId: string, subscribers: SubscriberTable, ttlMs: number): Promise<void> {
    const args = [this.keys.tag, replicaId, subscriberTableJson(subscribers), ttlMs];
    await this.run("publishSubscribers", [this.keys.replicas], args);
  }

  async listSubscribers(): Promise<SubscriberInfo[]> {
    const lists = await this.read("listSubscribers", [this.keys.replicas], []);
    return lists
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, json]) => {
        const list = parseJson(json, "subscriber list");
        return (Array.isArray(list) ? list : []) as SubscriberInfo[];
      });
  }

  async publishClientReports(reports: readonly ClientReportEntry[], ttlMs: number): Promise<void> {
    const args: ScriptArg[] = [this.keys.tag, ttlMs];
    for (const r of reports) args.push(r.service, r.clientId, r.receivedAtMs, r.encoded);
    await this.run("publishClientReports", [], args);
  }

  async listClientReports(service: string, sinceMs: number): Promise<ClientReportEntry[]> {
    const reports = await this.read("listClientReports", [], [service, sinceMs]);
    return reports.map((r) => ({ service, ...r })).sort(byClientId);
  }

  async startRollout(input: StartRolloutInput): Promise<StartRolloutResult> {
    const { service } = input;
    const overlay = JSON.stringify(overlayToJson(input.overlay));
    const reply = await this.mutate("startRollout", undefined, "", [
      service,
      input.id,
      input.encoded,
      overlay,
    ]);
    if (reply.status === "active") return { status: "active", id: reply.id };
    return { status: "started", version: reply.version, record: { service, ...reply.rollout } };
  }

  async writeRollout(input: WriteRolloutInput): Promise<WriteRolloutResult> {
    const { service, overlay } = input;
    const mode = overlay === undefined ? "keep" : overlay === null ? "clear" : "set";
    const args: ScriptArg[] = [
      service,
      input.id,
      input.token,
      input.revision,
      input.encoded,
      input.active ? "1" : "0",
      mode,
      overlay ? JSON.stringify(overlayToJson(overlay)) : "",
      input.applyPolicy ? JSON.stringify(Policy.toJSON(input.applyPolicy)) : "",
      input.applyRoutes ? JSON.stringify(routesToJson(input.applyRoutes)) : "",
    ];
    const reply = await this.mutate("writeRollout", undefined, "", args);
    if (reply.status === "conflict") return { status: "conflict" };
    return { status: "ok", version: reply.version, record: { service, ...reply.rollout } };
  }

  async claimRollout(
    service: string,
    replicaId: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<ClaimRolloutResult> {
    const reply = await this.mutate("claimRollout", nowMs, "", [service, replicaId, leaseMs]);
    if (reply.status === "none") return { status: "none" };
    return { status: reply.status, record: { service, ...reply.rollout } };
  }

  async getRollout(service: string): Promise<RolloutRecord | undefined> {
    const fields = await this.read("getRollout", [], [service]);
    return fields ? { service, ...fields } : undefined;
  }

  listRollouts(): Promise<string[]> {
    return this.read("listRollouts", [], []);
  }

  /** Runs a mutation script with the common KEYS and ARGV (lib/common.lua) and sees its epoch. */
  private async mutate<N extends ScriptName>(
    name: N,
    nowMs: number | undefined,
    requestId: string,
    args: readonly ScriptArg[],
  ): Promise<ScriptReply<N>> {
    const { keys, limits } = this;
    const fixedKeys = [keys.epoch, keys.changes, keys.leaseDeadlines, keys.services, keys.idleServices];
    const now = limits.leaseClock === "caller" && nowMs !== undefined ? nowMs : "";
    const common = [
      keys.tag,
      randomUUID(),
      limits.changeLogLength,
      limits.streamMaxLength,
      now,
      requestId,
      limits.requestIdRetentionMs,
    ];
    const reply = await this.run(name, fixedKeys, [...common, ...args]);
    const epoch = (reply as { epoch?: unknown }).epoch;
    if (typeof epoch === "string") this.onEpoch(epoch);
    return reply;
  }

  private read<N extends ScriptName>(name: N, keys: readonly string[], args: readonly ScriptArg[]) {
    return this.run(name, keys, [this.keys.tag, ...args]);
  }

  private async run<N extends ScriptName>(
    name: N,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<ScriptReply<N>> {
    const raw = await this.lua[name].run(this.client, keys, args);
    return SCRIPTS[name].decode(new NamedReply(raw, SCRIPTS[name].file)) as ScriptReply<N>;
  }
}

function byClientId(a: ClientReportEntry, b: ClientReportEntry): number {
  return a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0;
}

function withoutEpoch(reply: MutationReply): MutationResult {
  return reply.status === "ok"
    ? { status: "ok", version: reply.version, changed: reply.changed }
    : { status: "not_found" };
}
