/**
 * The control plane's Admin and Registration APIs as promises, as an operator's tool or a
 * load generator uses them (the generated clients take callbacks). An admin token, when given,
 * goes with every Admin call.
 */
import { type ChannelOptions, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  AdminClient as GeneratedAdminClient,
  type GetServiceHealthResponse,
  type GetServiceResponse,
  type ListServicesResponse,
  type ListSubscribersResponse,
  type Rollout,
  StartRolloutRequest,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import { type DeepPartial, Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import {
  type DeregisterResponse,
  type RegisterRequest,
  type RegisterResponse,
  RegistrationClient,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";

type Callback<T> = (error: ServiceError | null, response: T) => void;

/** One unary call as a promise. */
function unary<T>(start: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error ? reject(error) : resolve(response)));
  });
}

export class AdminClient {
  /** The generated client, for what this wrapper does not cover. */
  readonly client: GeneratedAdminClient;

  constructor(
    address: string,
    private readonly token?: string,
  ) {
    this.client = new GeneratedAdminClient(address, credentials.createInsecure());
  }

  /** Sets a service's policy; resolves with the service's new version. */
  async setPolicy(service: string, policy: DeepPartial<Policy>): Promise<number> {
    const request = { service, policy: Policy.fromPartial(policy), validateOnly: false };
    const response = await unary<{ version: number }>((cb) => this.client.setPolicy(request, this.md(), cb));
    return response.version;
  }

  /** Sets a service's route table; resolves with the service's new version. */
  async setRoutes(service: string, routes: DeepPartial<RouteTable>): Promise<number> {
    const request = { service, routes: RouteTable.fromPartial(routes), validateOnly: false };
    const response = await unary<{ version: number }>((cb) => this.client.setRoutes(request, this.md(), cb));
    return response.version;
  }

  listServices(): Promise<ListServicesResponse> {
    return unary((cb) => this.client.listServices({}, this.md(), cb));
  }

  getService(service: string): Promise<GetServiceResponse> {
    return unary((cb) => this.client.getService({ service }, this.md(), cb));
  }

  /** What the clients of a service report about its endpoints (ejections, by how many clients). */
  getServiceHealth(service: string): Promise<GetServiceHealthResponse> {
    return unary((cb) => this.client.getServiceHealth({ service }, this.md(), cb));
  }

  listSubscribers(service = ""): Promise<ListSubscribersResponse> {
    return unary((cb) => this.client.listSubscribers({ service }, this.md(), cb));
  }

  /** Drains an endpoint (or undoes it); resolves with the service's new version. */
  async drainEndpoint(service: string, endpointId: string, undo = false): Promise<number> {
    const request = { service, endpointId, undo };
    const response = await unary<{ version: number }>((cb) =>
      this.client.drainEndpoint(request, this.md(), cb),
    );
    return response.version;
  }

  /** Removes an endpoint; resolves with the service's new version. */
  async removeEndpoint(service: string, endpointId: string): Promise<number> {
    const request = { service, endpointId };
    const response = await unary<{ version: number }>((cb) =>
      this.client.removeEndpoint(request, this.md(), cb),
    );
    return response.version;
  }

  /** Starts a staged rollout of a policy; resolves with the rollout as stored. */
  async startRollout(request: DeepPartial<StartRolloutRequest>): Promise<Rollout> {
    const full = StartRolloutRequest.fromPartial(request);
    const response = await unary<{ rollout?: Rollout }>((cb) =>
      this.client.startRollout(full, this.md(), cb),
    );
    return response.rollout as Rollout;
  }

  async getRollout(service: string): Promise<Rollout> {
    const response = await unary<{ rollout?: Rollout }>((cb) =>
      this.client.getRollout({ service }, this.md(), cb),
    );
    return response.rollout as Rollout;
  }

  /** Aborts a service's rollout (its baseline stays the service's policy). */
  async abortRollout(service: string, reason = ""): Promise<Rollout> {
    const response = await unary<{ rollout?: Rollout }>((cb) =>
      this.client.abortRollout({ service, reason }, this.md(), cb),
    );
    return response.rollout as Rollout;
  }

  close(): void {
    this.client.close();
  }

  private md(): Metadata {
    const metadata = new Metadata();
    if (this.token) metadata.set("authorization", `Bearer ${this.token}`);
    return metadata;
  }
}

/** Registers endpoints by hand (without an SDK server), as a load generator does. */
export class Registrar {
  /** The generated client, for what this wrapper does not cover. */
  readonly client: RegistrationClient;

  constructor(address: string, options: ChannelOptions = {}) {
    this.client = new RegistrationClient(address, credentials.createInsecure(), options);
  }

  /** Registers with weight 1, a 60 s lease and no zone or metadata unless the request says. */
  register(
    request: Partial<RegisterRequest> & { service: string; host: string; port: number },
  ): Promise<RegisterResponse> {
    const full: RegisterRequest = { zone: "", weight: 1, metadata: {}, health: 0, ttlMs: 60_000, ...request };
    return unary((cb) => this.client.register(full, new Metadata(), cb));
  }

  deregister(leaseId: string): Promise<DeregisterResponse> {
    return unary((cb) => this.client.deregister({ leaseId }, new Metadata(), cb));
  }

  close(): void {
    this.client.close();
  }
}
