/** One control-plane replica asked directly: its health, and whether it takes a registration. */
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import {
  HealthCheckResponse_ServingStatus,
  HealthClient,
} from "@switchboard/core/gen/grpc/health/v1/health.js";
import { RegistrationClient } from "@switchboard/core/gen/switchboard/v1/registration.js";

export interface ProbeAnswer {
  /** "OK" or the status name. */
  readonly code: string;
  readonly ms: number;
}

export class PlaneProbe {
  private readonly health: HealthClient;
  private readonly registration: RegistrationClient;

  constructor(address: string) {
    this.health = new HealthClient(address, credentials.createInsecure());
    this.registration = new RegistrationClient(address, credentials.createInsecure());
  }

  /** SERVING, NOT_SERVING, or the status name when the check fails. */
  servingStatus(): Promise<string> {
    return new Promise((resolve) => {
      this.health.check({ service: "" }, new Metadata(), { deadline: Date.now() + 1000 }, (e, r) =>
        resolve(e ? (status[e.code] ?? String(e.code)) : HealthCheckResponse_ServingStatus[r.status]),
      );
    });
  }

  /** A registration of a throwaway address (127.0.0.1:port), with how long the answer took. */
  register(service: string, port: number, deadlineMs = 10_000): Promise<ProbeAnswer> {
    const started = Date.now();
    return new Promise((resolve) => {
      this.registration.register(
        { service, host: "127.0.0.1", port, zone: "", weight: 1, metadata: {}, health: 0, ttlMs: 1000 },
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        (e: ServiceError | null) =>
          resolve({ code: e ? (status[e.code] ?? String(e.code)) : "OK", ms: Date.now() - started }),
      );
    });
  }

  close(): void {
    this.health.close();
    this.registration.close();
  }
}
