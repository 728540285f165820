import { credentials, Metadata } from "@grpc/grpc-js";
import { AdminClient, type ListSubscribersResponse } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { type DeepPartial, Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";

/** A thin promise wrapper over the Admin API, as an operator's tool would use it. */
export class Admin {
  private readonly client: AdminClient;

  constructor(
    address: string,
    private readonly token?: string,
  ) {
    this.client = new AdminClient(address, credentials.createInsecure());
  }

  setPolicy(service: string, policy: DeepPartial<Policy>): Promise<number> {
    return new Promise((resolve, reject) =>
      this.client.setPolicy(
        { service, policy: Policy.fromPartial(policy), validateOnly: false },
        this.md(),
        (e, r) => (e ? reject(e) : resolve(r.version)),
      ),
    );
  }

  listSubscribers(service = ""): Promise<ListSubscribersResponse> {
    return new Promise((resolve, reject) =>
      this.client.listSubscribers({ service }, this.md(), (e, r) => (e ? reject(e) : resolve(r))),
    );
  }

  drainEndpoint(service: string, endpointId: string, undo = false): Promise<number> {
    return new Promise((resolve, reject) =>
      this.client.drainEndpoint({ service, endpointId, undo }, this.md(), (e, r) =>
        e ? reject(e) : resolve(r.version),
      ),
    );
  }

  removeEndpoint(service: string, endpointId: string): Promise<number> {
    return new Promise((resolve, reject) =>
      this.client.removeEndpoint({ service, endpointId }, this.md(), (e, r) =>
        e ? reject(e) : resolve(r.version),
      ),
    );
  }

  /** Sets a service's route table; resolves with the version it was stored at. */
  setRoutes(service: string, routes: DeepPartial<RouteTable>): Promise<number> {
    return new Promise((resolve, reject) =>
      this.client.setRoutes(
        { service, routes: RouteTable.fromPartial(routes), validateOnly: false },
        this.md(),
        (e, r) => (e ? reject(e) : resolve(r.version)),
      ),
    );
  }

  close(): void {
    this.client.close();
  }

  private md(): Metadata {
    const m = new Metadata();
    if (this.token) m.set("authorization", `Bearer ${this.token}`);
    return m;
  }
}
