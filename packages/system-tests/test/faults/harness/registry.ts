/** What the control plane says, read the way an operator would: through the Admin API. */
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import {
  AdminClient,
  type GetServiceResponse,
  type ListSubscribersResponse,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import { type DeepPartial, Policy } from "@switchboard/core/gen/switchboard/v1/policy.js";
import { HealthStatus } from "@switchboard/core/gen/switchboard/v1/types.js";

export interface RegistryView {
  readonly version: number;
  readonly epoch: string;
  /** Endpoint ids, sorted. */
  readonly endpoints: readonly string[];
  /** Endpoint ids that are SERVING, sorted. */
  readonly serving: readonly string[];
  readonly hasPolicy: boolean;
}

function unary<Res>(
  invoke: (deadline: Date, cb: (e: ServiceError | null, r: Res) => void) => void,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    invoke(new Date(Date.now() + timeoutMs), (e, r) => (e ? reject(e) : resolve(r))),
  );
}

/** Admin calls to whichever replica answers first in list order. */
export class RegistryProbe {
  private readonly clients: AdminClient[];

  constructor(addresses: readonly string[]) {
    this.clients = addresses.map((a) => new AdminClient(a, credentials.createInsecure()));
  }

  /** The service as the store holds it; undefined when no replica answers. */
  async view(service: string): Promise<RegistryView | undefined> {
    for (const client of this.clients) {
      try {
        const r = await unary<GetServiceResponse>(
          (deadline, cb) => client.getService({ service }, new Metadata(), { deadline }, cb),
          1000,
        );
        const ids = r.endpoints.map((e) => e.endpoint?.id ?? "").sort();
        const serving = r.endpoints
          .filter((e) => e.endpoint?.health === HealthStatus.HEALTH_STATUS_SERVING)
          .map((e) => e.endpoint?.id ?? "")
          .sort();
        return {
          version: r.version,
          epoch: r.epoch,
          endpoints: ids,
          serving,
          hasPolicy: r.policy !== undefined,
        };
      } catch (e) {
        if ((e as ServiceError).code === status.NOT_FOUND) {
          return { version: 0, epoch: "", endpoints: [], serving: [], hasPolicy: false };
        }
      }
    }
    return undefined;
  }

  /** Each subscriber's versions for `service`, as the replica answering sees them. */
  async subscribers(service: string): Promise<{ clientId: string; sent: number; acked: number }[]> {
    for (const client of this.clients) {
      try {
        const r = await unary<ListSubscribersResponse>(
          (deadline, cb) => client.listSubscribers({ service }, new Metadata(), { deadline }, cb),
          1000,
        );
        return r.subscribers.map((s) => {
          const sub = s.subscriptions.find((x) => x.service === service);
          return { clientId: s.clientId, sent: sub?.sentVersion ?? 0, acked: sub?.ackedVersion ?? 0 };
        });
      } catch {
        // next replica
      }
    }
    return [];
  }

  /** Sets a policy through the first replica that answers; resolves with the new version. */
  async setPolicy(service: string, policy: DeepPartial<Policy>): Promise<number> {
    let last: unknown;
    for (const client of this.clients) {
      try {
        const r = await unary<{ version: number }>(
          (deadline, cb) =>
            client.setPolicy(
              { service, policy: Policy.fromPartial(policy), validateOnly: false },
              new Metadata(),
              { deadline },
              cb,
            ),
          2000,
        );
        return r.version;
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** Exactly the same ids (order ignored). */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

/**
 * Polls `check` every `everyMs` until it holds; resolves with the time it first held
 * (Date.now()), or undefined when `timeoutMs` passed first.
 */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 25,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return Date.now();
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
