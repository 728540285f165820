/** The dashboard's live feed: the last events kept for a page that opens (or reconnects), and
 * the listeners (server-sent-event streams) they are fanned out to. */
import type { FeedEvent, FeedEventFields } from "./feed-events.js";

/** Events kept for pages that open or reconnect. */
export const FEED_BACKLOG = 200;

/** What a listener is told: a feed event, or that the subscriber list changed. */
export type FeedSignal =
  | { readonly type: "event"; readonly event: FeedEvent }
  | { readonly type: "subscribers" };

export class EventFeed {
  private readonly backlog: FeedEvent[] = [];
  private readonly listeners = new Set<(signal: FeedSignal) => void>();
  private nextId = 1;

  constructor(private readonly now: () => number) {}

  record(fields: FeedEventFields): FeedEvent {
    const event: FeedEvent = { id: this.nextId++, atMs: this.now(), ...fields };
    this.backlog.push(event);
    if (this.backlog.length > FEED_BACKLOG) this.backlog.shift();
    this.emit({ type: "event", event });
    return event;
  }

  subscribersChanged(): void {
    this.emit({ type: "subscribers" });
  }

  /** Kept events after `lastId` (all kept ones for 0), oldest first. */
  since(lastId: number): readonly FeedEvent[] {
    return this.backlog.filter((e) => e.id > lastId);
  }

  listen(listener: (signal: FeedSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private emit(signal: FeedSignal): void {
    for (const listener of this.listeners) listener(signal);
  }
}
