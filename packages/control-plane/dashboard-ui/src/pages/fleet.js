// What the clients of a service report (GetServiceHealth): per method, calls, errors and how
// many clients hold its circuit open; per client, what it runs and when it last reported.
import { html } from "htm/preact";
import { breaker, duration, percent } from "../format.js";

function rate(row) {
  return row.calls ? percent(row.errorRate) : "—";
}

export function Methods({ health }) {
  const methods = health.methods ?? [];
  const m = health.reportingClients ?? 0;
  return html`
    ${
      health.serviceBreakerOpenIn
        ? html`<p class="failing">Service circuit open in ${health.serviceBreakerOpenIn} of ${m} clients.</p>`
        : null
    }
    ${
      methods.length === 0
        ? html`<p class="empty">No client reports calling a method.</p>`
        : html`<table class="methods">
            <thead><tr><th>Method</th><th>Calls</th><th>Errors</th><th>Error rate</th><th>Circuit</th></tr></thead>
            <tbody>
              ${methods.map(
                (r) => html`<tr data-method=${r.method}>
                  <td><code>${r.method}</code></td>
                  <td class="num">${r.calls ?? 0}</td>
                  <td class="num">${r.errors ?? 0}</td>
                  <td class="num">${rate(r)}</td>
                  <td class=${r.openIn ? "failing" : ""}>open in ${r.openIn ?? 0} of ${m}${
                    r.halfOpenIn ? `, half-open in ${r.halfOpenIn}` : ""
                  }</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}

/** `routeVersion`: the route table's version now (0: none), to mark clients that run another. */
export function Clients({ health, routeVersion }) {
  const clients = health.clients ?? [];
  if (clients.length === 0) return html`<p class="empty">No client has reported lately.</p>`;
  const routes = (v) => {
    if (!v && !routeVersion) return "—";
    return html`<span class=${(v ?? 0) === routeVersion ? "" : "behind"}>${v ? `v${v}` : "none"}${
      (v ?? 0) === routeVersion ? "" : " (not current)"
    }</span>`;
  };
  return html`<table class="clients">
    <thead>
      <tr><th>Client</th><th>Zone</th><th>SDK</th><th>Replica</th><th>Policy</th><th>Routes</th><th>Ejects</th><th>Circuit</th><th>Last report</th></tr>
    </thead>
    <tbody>
      ${clients.map(
        (c) => html`<tr data-client=${c.clientId}>
          <td><code>${c.clientId}</code></td>
          <td>${c.zone || "—"}</td>
          <td>${c.sdkVersion || "—"}</td>
          <td>${c.replicaId}</td>
          <td>${c.policyVersion ? `v${c.policyVersion}` : "—"}</td>
          <td class="route-version">${routes(c.routeVersion)}</td>
          <td class="num">${c.ejectedEndpoints ?? 0}</td>
          <td>${breaker(c.serviceBreaker)}</td>
          <td>${duration(c.lastReportAgeMs)} ago</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Endpoints clients still list that are no longer registered. */
export function Unregistered({ health }) {
  const gone = (health.endpoints ?? []).filter((e) => !e.registered);
  if (gone.length === 0) return null;
  return html`<p class="empty">
    Clients still list endpoints no longer registered:
    ${gone.map((e, i) => html`${i ? ", " : " "}<code>${e.endpointId}</code> (ejected by ${e.ejectedBy ?? 0} of ${health.reportingClients ?? 0})`)}
  </p>`;
}
