// The live feed: one EventSource on /api/events. Every change bumps `revision` (pages re-read
// what they show), every subscriber change bumps `subscribersRevision`. What the feed does not
// carry (the clients' reports) is re-read on a timer (useTicks).
import { useEffect, useState } from "preact/hooks";

/** Feed events kept on the page. */
export const FEED_LIMIT = 200;

export function useLiveFeed() {
  const [state, setState] = useState({ events: [], revision: 0, subscribersRevision: 0, connected: false });
  useEffect(() => {
    const source = new EventSource("/api/events");
    source.addEventListener("open", () => setState((s) => ({ ...s, connected: true })));
    source.addEventListener("error", () => setState((s) => ({ ...s, connected: false })));
    source.addEventListener("change", (message) => {
      const event = JSON.parse(message.data);
      setState((s) => ({
        ...s,
        events: [event, ...s.events.filter((e) => e.id !== event.id)].slice(0, FEED_LIMIT),
        revision: s.revision + 1,
      }));
    });
    source.addEventListener("subscribers", () =>
      setState((s) => ({ ...s, subscribersRevision: s.subscribersRevision + 1 })),
    );
    return () => source.close();
  }, []);
  return state;
}

/** Reads `load()` now and again whenever one of `deps` changes; keeps the last good answer. */
export function useReload(load, deps) {
  const [state, setState] = useState({ data: undefined, error: undefined });
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: undefined }),
      (error) => current && setState((s) => ({ data: s.data, error })),
    );
    return () => {
      current = false;
    };
  }, deps);
  return state;
}

/** A count that goes up every `ms` while the component is shown. */
export function useTicks(ms) {
  const [ticks, setTicks] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTicks((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return ticks;
}
