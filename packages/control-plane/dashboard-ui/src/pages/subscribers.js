// Subscribers: every Discovery and xDS stream of every replica, with what it acked and rejected.
import { html } from "htm/preact";
import { getJson, paths } from "../api.js";
import { useReload } from "../live.js";
import { ErrorLine } from "./common.js";

function Subscriptions({ subscriber }) {
  if (subscriber.xds) {
    return (subscriber.xds.types ?? []).map(
      (t) => html`<div>
        <code>${t.typeUrl.split(".").pop()}</code> acked ${t.ackedVersion || "—"} / sent ${t.sentVersion || "—"}
        ${t.nackCount ? html`<span class="nack"> · ${t.nackCount} NACK: ${t.lastNackReason}</span>` : null}
      </div>`,
    );
  }
  return (subscriber.subscriptions ?? []).map(
    (s) => html`<div>
      <code>${s.service}</code> acked ${s.ackedVersion ?? 0} / sent ${s.sentVersion ?? 0}
      ${s.nackCount ? html`<span class="nack"> · ${s.nackCount} NACK (v${s.lastNackVersion}): ${s.lastNackReason}</span>` : null}
    </div>`,
  );
}

export function SubscriberTable({ subscribers }) {
  if (subscribers.length === 0) return html`<p class="empty">No client is subscribed.</p>`;
  return html`<table class="subscribers">
    <thead>
      <tr><th>Client</th><th>Kind</th><th>Replica</th><th>Zone</th><th>SDK / agent</th><th>Peer</th><th>Connected</th><th>Subscriptions</th></tr>
    </thead>
    <tbody>
      ${subscribers.map(
        (s) => html`<tr>
          <td><code>${s.clientId}</code></td>
          <td>${s.xds ? "xDS" : "native"}</td>
          <td>${s.replicaId}</td>
          <td>${s.zone || "—"}</td>
          <td>${s.sdkVersion}</td>
          <td>${s.peer}</td>
          <td>${s.connectedAt ? new Date(s.connectedAt).toLocaleString() : "—"}</td>
          <td><${Subscriptions} subscriber=${s} /></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

export function SubscribersPage({ live }) {
  const { data, error } = useReload(() => getJson(paths.subscribers()), [live.subscribersRevision]);
  return html`
    <h2>Subscribers</h2>
    <${ErrorLine} error=${error} />
    <${SubscriberTable} subscribers=${data?.subscribers ?? []} />
  `;
}
