import { credentials, Metadata } from "@grpc/grpc-js";
import { STICKY_BUCKETS, stickyBucket } from "@switchboard/core";
import {
  AdminClient,
  type GetServiceResponse,
  type Rollout,
  StartRolloutRequest,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import type { DeepPartial } from "@switchboard/core/gen/switchboard/v1/policy.js";

/** The rollout RPCs of the Admin API, as promises (an operator's tool would use them so). */
export class RolloutAdmin {
  private readonly client: AdminClient;

  constructor(address: string) {
    this.client = new AdminClient(address, credentials.createInsecure());
  }

  start(req: DeepPartial<StartRolloutRequest>): Promise<Rollout> {
    return new Promise((resolve, reject) =>
      this.client.startRollout(StartRolloutRequest.fromPartial(req), new Metadata(), (e, r) =>
        e ? reject(e) : resolve(r.rollout as Rollout),
      ),
    );
  }

  get(service: string): Promise<Rollout> {
    return new Promise((resolve, reject) =>
      this.client.getRollout({ service }, new Metadata(), (e, r) =>
        e ? reject(e) : resolve(r.rollout as Rollout),
      ),
    );
  }

  abort(service: string, reason = ""): Promise<Rollout> {
    return new Promise((resolve, reject) =>
      this.client.abortRollout({ service, reason }, new Metadata(), (e, r) =>
        e ? reject(e) : resolve(r.rollout as Rollout),
      ),
    );
  }

  getService(service: string): Promise<GetServiceResponse> {
    return new Promise((resolve, reject) =>
      this.client.getService({ service }, new Metadata(), (e, r) => (e ? reject(e) : resolve(r))),
    );
  }

  close(): void {
    this.client.close();
  }
}

/** The `skip`+1-th client id `<prefix>-<n>` inside (or outside) a `percent` cohort. */
export function cohortClientId(prefix: string, percent: number, inside: boolean, skip = 0): string {
  const limit = (percent / 100) * STICKY_BUCKETS;
  let found = 0;
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    if (stickyBucket(id) < limit === inside && found++ === skip) return id;
  }
}
