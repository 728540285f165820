import { type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
  HealthCheckResponse_ServingStatus as Serving,
} from "@switchboard/core/gen/grpc/health/v1/health.js";

export { HealthService } from "@switchboard/core/gen/grpc/health/v1/health.js";
export type ServingStatus = "SERVING" | "NOT_SERVING";

/**
 * grpc.health.v1.Health: Check and Watch, per service name ("" = the whole server). Statuses
 * change together when the mesh server drains, and one by one through `set`.
 */
export class HealthStatusTable {
  private readonly statuses = new Map<string, Serving>();
  private readonly watchers = new Map<
    string,
    Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>
  >();

  set(service: string, s: ServingStatus): void {
    const value = s === "SERVING" ? Serving.SERVING : Serving.NOT_SERVING;
    if (this.statuses.get(service) === value) return;
    this.statuses.set(service, value);
    for (const call of this.watchers.get(service) ?? []) call.write({ status: value });
  }

  setAll(s: ServingStatus): void {
    for (const service of this.statuses.keys()) this.set(service, s);
  }

  get(service: string): Serving | undefined {
    return this.statuses.get(service);
  }

  /** Ends every Watch stream (server shutdown). */
  endWatches(): void {
    for (const calls of this.watchers.values()) for (const call of calls) call.end();
    this.watchers.clear();
  }

  readonly implementation: HealthServer = {
    check: (
      call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
      callback: sendUnaryData<HealthCheckResponse>,
    ) => {
      const value = this.statuses.get(call.request.service);
      if (value === undefined) {
        callback({ code: status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
        return;
      }
      callback(null, { status: value });
    },
    watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
      const service = call.request.service;
      let set = this.watchers.get(service);
      if (!set) {
        set = new Set();
        this.watchers.set(service, set);
      }
      set.add(call);
      call.write({ status: this.statuses.get(service) ?? Serving.SERVICE_UNKNOWN });
      call.on("cancelled", () => set.delete(call));
      call.on("close", () => set.delete(call));
    },
  };
}
