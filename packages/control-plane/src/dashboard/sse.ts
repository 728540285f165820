/**
 * GET /api/events: the live feed as server-sent events. A new stream first gets the kept events
 * after its Last-Event-ID (all kept ones on a first connect), then each new one. A stream that
 * cannot keep up is ended: the browser reconnects with its Last-Event-ID and misses nothing the
 * backlog still holds.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EventFeed, FeedSignal } from "./event-feed.js";
import type { FeedEvent } from "./feed-events.js";
import { SECURITY_HEADERS } from "./http.js";

/** A comment line this often keeps proxies from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** Bytes a stream may have waiting to be sent before it is ended. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

function eventText(event: FeedEvent): string {
  return `id: ${event.id}\nevent: change\ndata: ${JSON.stringify(event)}\n\n`;
}

function lastEventId(req: IncomingMessage): number {
  const raw = req.headers["last-event-id"];
  const n = typeof raw === "string" ? Number(raw) : 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** Serves one stream until the client leaves or the dashboard closes (`closing` aborts). */
export function serveEvents(
  req: IncomingMessage,
  res: ServerResponse,
  feed: EventFeed,
  closing: AbortSignal,
): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": "text/event-stream; charset=utf-8",
    connection: "keep-alive",
  });
  res.write("retry: 1000\n\n");
  for (const event of feed.since(lastEventId(req))) res.write(eventText(event));
  const write = (text: string): void => {
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) end();
  };
  const onSignal = (signal: FeedSignal): void =>
    write(signal.type === "event" ? eventText(signal.event) : "event: subscribers\ndata: {}\n\n");
  const unlisten = feed.listen(onSignal);
  const heartbeat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  let ended = false;
  function end(): void {
    if (ended) return;
    ended = true;
    unlisten();
    clearInterval(heartbeat);
    closing.removeEventListener("abort", end);
    res.end();
  }
  closing.addEventListener("abort", end);
  res.on("close", end);
}
