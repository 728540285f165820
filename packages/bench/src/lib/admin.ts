/** The control plane's Admin and Registration APIs as promises, as an operator's tool uses them. */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { AdminClient } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { type DeepPartial, Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import {
  type DeregisterResponse,
  type RegisterRequest,
  type RegisterResponse,
  RegistrationClient,
} from "@switchboard/core/gen/switchboard/v1/registration.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";

function settle<T>(resolve: (v: T) => void, reject: (e: Error) => void) {
  return (e: ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
}

export class Admin {
  private readonly client: AdminClient;

  constructor(address: string) {
    this.client = new AdminClient(address, credentials.createInsecure());
  }

  /** Sets a service's policy; resolves with the service's new version. */
  setPolicy(service: string, policy: DeepPartial<Policy>): Promise<number> {
    const request = { service, policy: Policy.fromPartial(policy), validateOnly: false };
    return new Promise((resolve, reject) =>
      this.client.setPolicy(
        request,
        new Metadata(),
        settle((r: { version: number }) => resolve(r.version), reject),
      ),
    );
  }

  /** Sets a service's route table; resolves with the service's new version. */
  setRoutes(service: string, routes: DeepPartial<RouteTable>): Promise<number> {
    const request = { service, routes: RouteTable.fromPartial(routes), validateOnly: false };
    return new Promise((resolve, reject) =>
      this.client.setRoutes(
        request,
        new Metadata(),
        settle((r: { version: number }) => resolve(r.version), reject),
      ),
    );
  }

  close(): void {
    this.client.close();
  }
}

export class Registration {
  readonly client: RegistrationClient;

  constructor(address: string, options: Record<string, number> = {}) {
    this.client = new RegistrationClient(address, credentials.createInsecure(), options);
  }

  register(
    request: Partial<RegisterRequest> & { service: string; host: string; port: number },
  ): Promise<RegisterResponse> {
    const full: RegisterRequest = { zone: "", weight: 1, metadata: {}, health: 0, ttlMs: 60_000, ...request };
    return new Promise((resolve, reject) =>
      this.client.register(full, new Metadata(), settle(resolve, reject)),
    );
  }

  deregister(leaseId: string): Promise<DeregisterResponse> {
    return new Promise((resolve, reject) =>
      this.client.deregister({ leaseId }, new Metadata(), settle(resolve, reject)),
    );
  }

  close(): void {
    this.client.close();
  }
}
