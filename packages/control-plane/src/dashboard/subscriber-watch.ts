/**
 * Turns the subscriber tables into feed events: while a page listens, it reads ListSubscribers
 * every `intervalMs`, records a "nack" event for each NACK count that went up (native and xDS
 * streams alike) and signals when the list itself changed (a client came, left or acked).
 */
import type { ListSubscribersResponse, Subscriber } from "@switchboard/core/gen/switchboard/v1/admin.js";
import type { Logger } from "pino";
import type { EventFeed } from "./event-feed.js";

/** How often subscribers are read while a page listens. */
export const SUBSCRIBER_POLL_MS = 1000;

interface NackCount {
  readonly service: string;
  readonly client: string;
  readonly count: number;
  readonly reason: string;
}

function nackCounts(s: Subscriber): Map<string, NackCount> {
  const out = new Map<string, NackCount>();
  const client = `${s.clientId}@${s.replicaId}`;
  for (const x of s.subscriptions) {
    out.set(`${client}\n${x.service}`, {
      service: x.service,
      client,
      count: x.nackCount,
      reason: x.lastNackReason,
    });
  }
  for (const t of s.xds?.types ?? []) {
    const service = t.resourceNames.join(",") || t.typeUrl;
    out.set(`${client}\n${t.typeUrl}`, { service, client, count: t.nackCount, reason: t.lastNackReason });
  }
  return out;
}

export class SubscriberWatch {
  private timer: NodeJS.Timeout | undefined;
  private counts: Map<string, NackCount> | undefined;
  private shape = "";
  private polling = false;

  constructor(
    private readonly opts: {
      readonly feed: EventFeed;
      readonly list: () => Promise<ListSubscribersResponse>;
      readonly logger: Logger;
      readonly intervalMs: number;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One read; skipped while nobody listens (the next read after that only sets the baseline). */
  async poll(): Promise<void> {
    if (this.polling) return;
    if (this.opts.feed.listenerCount === 0) {
      this.counts = undefined;
      return;
    }
    this.polling = true;
    try {
      this.compare((await this.opts.list()).subscribers);
    } catch (error) {
      this.opts.logger.debug({ err: error }, "reading subscribers for the dashboard failed");
    } finally {
      this.polling = false;
    }
  }

  private compare(subscribers: readonly Subscriber[]): void {
    const now = new Map<string, NackCount>();
    for (const s of subscribers) for (const [k, v] of nackCounts(s)) now.set(k, v);
    const before = this.counts;
    this.counts = now;
    const shape = JSON.stringify(subscribers.map((s) => [s.clientId, s.replicaId, s.subscriptions, s.xds]));
    const changed = shape !== this.shape;
    this.shape = shape;
    if (before === undefined) return;
    for (const [key, n] of now) {
      if (n.count > (before.get(key)?.count ?? 0)) {
        this.opts.feed.record({ kind: "nack", service: n.service, detail: `${n.client}: ${n.reason}` });
      }
    }
    if (changed) this.opts.feed.subscribersChanged();
  }
}
