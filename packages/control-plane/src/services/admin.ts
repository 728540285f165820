import { status } from "@grpc/grpc-js";
import type { Clock } from "@switchboard/core";
import { validatePolicy } from "@switchboard/core";
import type {
  AdminServer,
  DeletePolicyRequest,
  DeletePolicyResponse,
  DeleteRoutesRequest,
  DeleteRoutesResponse,
  DrainEndpointRequest,
  DrainEndpointResponse,
  GetRoutesRequest,
  GetRoutesResponse,
  GetServiceHealthRequest,
  GetServiceHealthResponse,
  GetServiceRequest,
  GetServiceResponse,
  ListServicesResponse,
  ListSubscribersRequest,
  ListSubscribersResponse,
  RemoveEndpointRequest,
  RemoveEndpointResponse,
  SetPolicyRequest,
  SetPolicyResponse,
  SetRoutesRequest,
  SetRoutesResponse,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import type { Logger } from "pino";
import { ControlPlaneError, invalidArgument } from "../errors.js";
import type { FleetReports } from "../fleet/fleet-reports.js";
import { mergeServiceHealth } from "../fleet/service-health.js";
import { endpointStatusToProto, subscriberToProto, summaryToProto } from "../mapping.js";
import { refuseDuringRollout, rolloutHandlers } from "../rollout/rollout-admin.js";
import type { MutationResult, ServiceState, Store } from "../store/types.js";
import { checkEndpointId, checkRouteTable, checkServiceName, expect, requestOptions } from "../validation.js";
import { allSubscribers, type PropagationSource } from "./await-propagation.js";
import { type RpcContext, unary } from "./rpc.js";

export interface AdminDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** How long a removed endpoint's lease stays revoked (it may not register again meanwhile). */
  readonly revokeRemovedForMs: number;
  readonly subscribers: PropagationSource;
  /** The SDK clients' reports, for GetServiceHealth. */
  readonly fleet: FleetReports;
  readonly logger: Logger;
}

function endpointNotFound(service: string, endpointId: string): ControlPlaneError {
  return new ControlPlaneError(
    status.NOT_FOUND,
    `endpoint "${endpointId}" is not registered in service "${service}"; GetService lists its endpoints`,
  );
}

function versionOf(result: MutationResult, service: string, endpointId: string): number {
  if (result.status === "not_found") throw endpointNotFound(service, endpointId);
  return result.version;
}

/** switchboard.v1.Admin: the operator API (grpcurl-friendly; every field validated). */
export function adminHandlers(ctx: RpcContext, deps: AdminDeps): AdminServer {
  const { store } = deps;
  const log = deps.logger.child({ component: "admin" });

  const listServices = async (): Promise<ListServicesResponse> => {
    const [services, epoch] = await Promise.all([store.listServices(), store.epoch()]);
    const sorted = [...services].sort((a, b) => (a.service < b.service ? -1 : 1));
    return { services: sorted.map(summaryToProto), epoch };
  };

  /** The service's state; NOT_FOUND when the store does not know it (never seen, or collected). */
  const knownService = async (service: string): Promise<ServiceState> => {
    const state = await store.getService(service);
    const empty = state.endpoints.length === 0 && !state.policy && !state.routes;
    if (empty && (state.version === 0 || !(await store.endpointCounts()).has(service))) {
      throw new ControlPlaneError(
        status.NOT_FOUND,
        `service "${service}" is unknown; ListServices lists the known ones`,
      );
    }
    return state;
  };

  const getService = async (req: GetServiceRequest): Promise<GetServiceResponse> => {
    const service = expect(checkServiceName(req.service));
    const [state, epoch] = await Promise.all([knownService(service), store.epoch()]);
    const now = deps.clock.now();
    const endpoints = [...state.endpoints].sort((a, b) => (a.id < b.id ? -1 : 1));
    return {
      service,
      version: state.version,
      endpoints: endpoints.map((e) => endpointStatusToProto(e, now)),
      policy: state.policy,
      routes: state.routes,
      epoch,
    };
  };

  const setPolicy = async (req: SetPolicyRequest): Promise<SetPolicyResponse> => {
    const service = expect(checkServiceName(req.service));
    if (!req.policy) throw invalidArgument("policy", "is required (DeletePolicy removes a policy)");
    const checked = validatePolicy(req.policy, "policy");
    if (!checked.ok) throw invalidArgument(checked.error.field, checked.error.message);
    if (req.validateOnly) return { version: (await store.getService(service)).version };
    await refuseDuringRollout(store, service, "SetPolicy");
    const { version } = await store.setPolicy(service, req.policy, requestOptions(req));
    log.info({ service, version }, "policy set");
    return { version };
  };

  const deletePolicy = async (req: DeletePolicyRequest): Promise<DeletePolicyResponse> => {
    const service = expect(checkServiceName(req.service));
    await refuseDuringRollout(store, service, "DeletePolicy");
    const result = await store.deletePolicy(service, requestOptions(req));
    if (result.status === "ok" && result.changed) {
      log.info({ service, version: result.version }, "policy deleted");
      return { found: true, version: result.version };
    }
    const version = result.status === "ok" ? result.version : (await store.getService(service)).version;
    return { found: false, version };
  };

  const setRoutes = async (req: SetRoutesRequest): Promise<SetRoutesResponse> => {
    const service = expect(checkServiceName(req.service));
    const resolved = expect(checkRouteTable(service, req.routes));
    if (req.validateOnly || !req.routes) return { version: (await store.getService(service)).version };
    await refuseDuringRollout(store, service, "SetRoutes");
    const routes = { ...req.routes, routeVersion: 0 };
    const { version } = await store.setRoutes(service, routes, requestOptions(req));
    log.info({ service, version, rules: resolved.rules.length }, "routes set");
    return { version };
  };

  const getRoutes = async (req: GetRoutesRequest): Promise<GetRoutesResponse> => {
    const service = expect(checkServiceName(req.service));
    const state = await knownService(service);
    return { routes: state.routes, version: state.version };
  };

  const deleteRoutes = async (req: DeleteRoutesRequest): Promise<DeleteRoutesResponse> => {
    const service = expect(checkServiceName(req.service));
    await refuseDuringRollout(store, service, "DeleteRoutes");
    const result = await store.deleteRoutes(service, requestOptions(req));
    if (result.status === "ok" && result.changed) {
      log.info({ service, version: result.version }, "routes deleted");
      return { found: true, version: result.version };
    }
    const version = result.status === "ok" ? result.version : (await store.getService(service)).version;
    return { found: false, version };
  };

  const drainEndpoint = async (req: DrainEndpointRequest): Promise<DrainEndpointResponse> => {
    const service = expect(checkServiceName(req.service));
    const endpointId = expect(checkEndpointId(req.endpointId));
    const result = await store.setAdminDrain(service, endpointId, !req.undo, requestOptions(req));
    const version = versionOf(result, service, endpointId);
    log.info({ service, endpoint: endpointId, undo: req.undo, version }, "endpoint drain changed");
    return { version };
  };

  const removeEndpoint = async (req: RemoveEndpointRequest): Promise<RemoveEndpointResponse> => {
    const service = expect(checkServiceName(req.service));
    const endpointId = expect(checkEndpointId(req.endpointId));
    const options = requestOptions(req);
    const result = await store.removeEndpoint(service, endpointId, deps.revokeRemovedForMs, options);
    const version = versionOf(result, service, endpointId);
    log.info({ service, endpoint: endpointId, version }, "endpoint removed by an operator");
    return { version };
  };

  const listSubscribers = async (req: ListSubscribersRequest): Promise<ListSubscribersResponse> => {
    const service = req.service === "" ? undefined : expect(checkServiceName(req.service));
    const all = await allSubscribers(deps.subscribers);
    const matching = service ? all.filter((s) => s.subscriptions.some((x) => x.service === service)) : all;
    matching.sort((a, b) => a.replicaId.localeCompare(b.replicaId) || a.clientId.localeCompare(b.clientId));
    return { subscribers: matching.map((s) => subscriberToProto(s, service)) };
  };

  const getServiceHealth = async (req: GetServiceHealthRequest): Promise<GetServiceHealthResponse> => {
    const service = expect(checkServiceName(req.service));
    const [state, records] = await Promise.all([store.getService(service), deps.fleet.recordsOf(service)]);
    if (state.version === 0 && records.length === 0) {
      throw new ControlPlaneError(
        status.NOT_FOUND,
        `service "${service}" is unknown and no client reports on it; ListServices lists the known ones`,
      );
    }
    return mergeServiceHealth(state, records, deps.clock.now());
  };

  const rollouts = rolloutHandlers(deps);

  return {
    listServices: unary(ctx, "Admin/ListServices", "admin", listServices),
    getService: unary(ctx, "Admin/GetService", "admin", getService),
    setPolicy: unary(ctx, "Admin/SetPolicy", "admin", setPolicy),
    deletePolicy: unary(ctx, "Admin/DeletePolicy", "admin", deletePolicy),
    setRoutes: unary(ctx, "Admin/SetRoutes", "admin", setRoutes),
    getRoutes: unary(ctx, "Admin/GetRoutes", "admin", getRoutes),
    deleteRoutes: unary(ctx, "Admin/DeleteRoutes", "admin", deleteRoutes),
    drainEndpoint: unary(ctx, "Admin/DrainEndpoint", "admin", drainEndpoint),
    removeEndpoint: unary(ctx, "Admin/RemoveEndpoint", "admin", removeEndpoint),
    listSubscribers: unary(ctx, "Admin/ListSubscribers", "admin", listSubscribers),
    getServiceHealth: unary(ctx, "Admin/GetServiceHealth", "admin", getServiceHealth),
    startRollout: unary(ctx, "Admin/StartRollout", "admin", rollouts.startRollout),
    getRollout: unary(ctx, "Admin/GetRollout", "admin", rollouts.getRollout),
    pauseRollout: unary(ctx, "Admin/PauseRollout", "admin", rollouts.pauseRollout),
    resumeRollout: unary(ctx, "Admin/ResumeRollout", "admin", rollouts.resumeRollout),
    promoteRollout: unary(ctx, "Admin/PromoteRollout", "admin", rollouts.promoteRollout),
    abortRollout: unary(ctx, "Admin/AbortRollout", "admin", rollouts.abortRollout),
  };
}
