// The live event feed: registrations, expiries, drains, removals, policy changes and NACKs.
import { html } from "htm/preact";
import { time } from "../format.js";

const LABEL = {
  registered: "registered",
  health_changed: "health changed",
  drained: "drained",
  undrained: "undrained",
  deregistered: "deregistered",
  expired: "lease expired",
  removed: "removed by an operator",
  policy_set: "policy set",
  policy_deleted: "policy deleted",
  routes_set: "routes set",
  routes_deleted: "routes deleted",
  rollout_stage: "rollout stage",
  nack: "NACK",
};

export function EventList({ events }) {
  if (events.length === 0) return html`<p class="empty">No event since this page opened.</p>`;
  return html`<ol class="feed">
    ${events.map(
      (e) => html`<li class=${`event ${e.kind}`} data-kind=${e.kind}>
        <time>${time(e.atMs)}</time>
        <span class="kind">${LABEL[e.kind] ?? e.kind}</span>
        <a href=${`#/services/${encodeURIComponent(e.service)}`}>${e.service}</a>
        ${e.endpointId ? html` <code>${e.endpointId}</code>` : null}
        ${e.version ? html` <small>v${e.version}</small>` : null}
        ${e.detail ? html` <span class="detail">${e.detail}</span>` : null}
      </li>`,
    )}
  </ol>`;
}

export function EventsPage({ live }) {
  return html`
    <h2>Live events ${live.connected ? html`<small class="live">● live</small>` : html`<small>reconnecting…</small>`}</h2>
    <${EventList} events=${live.events} />
  `;
}
