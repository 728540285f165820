// One service: its endpoints (with drain, undrain and remove, and what the clients see of
// each), the methods and clients the clients report, its route table, its rollout, its policy
// and its subscribers.
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { getJson, paths, post } from "../api.js";
import { ENDPOINT_COLUMNS } from "../columns.js";
import { pretty } from "../diff.js";
import { useReload, useTicks } from "../live.js";
import { ErrorLine } from "./common.js";
import { Clients, Methods, Unregistered } from "./fleet.js";
import { ChangeFromPrevious } from "./history.js";
import { RolloutSection } from "./rollouts.js";
import { Routes } from "./routes.js";
import { SubscriberTable } from "./subscribers.js";

/** How often the clients' reports are re-read while the page is open (they are not in the feed). */
export const HEALTH_POLL_MS = 3000;

function EndpointActions({ service, status, onDone }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState(undefined);
  const id = status.endpoint.id;
  const act = (verb) => () => {
    setConfirming(false);
    post(paths.endpointAction(service, id, verb)).then(() => onDone(), setError);
  };
  const drained = Boolean(status.endpoint.adminDrained);
  return html`<td class="actions">
    ${
      drained
        ? html`<button onClick=${act("undrain")}>Undrain</button>`
        : html`<button onClick=${act("drain")}>Drain</button>`
    }
    ${
      confirming
        ? html`<button class="danger" onClick=${act("remove")}>Confirm remove</button>
          <button onClick=${() => setConfirming(false)}>Cancel</button>`
        : html`<button onClick=${() => setConfirming(true)}>Remove</button>`
    }
    <${ErrorLine} error=${error} />
  </td>`;
}

function Endpoints({ service, data, health, readOnly, reload }) {
  const endpoints = data?.endpoints ?? [];
  const rows = new Map((health?.endpoints ?? []).map((e) => [e.endpointId, e]));
  const fleetOf = (s) => ({ row: rows.get(s.endpoint.id), reporting: health?.reportingClients ?? 0 });
  if (endpoints.length === 0) return html`<p class="empty">No endpoint is registered.</p>`;
  return html`<table class="endpoints">
    <thead>
      <tr>${ENDPOINT_COLUMNS.map((c) => html`<th>${c.title}</th>`)}${readOnly ? null : html`<th>Actions</th>`}</tr>
    </thead>
    <tbody>
      ${endpoints.map(
        (s) => html`<tr data-endpoint=${s.endpoint.id}>
          ${ENDPOINT_COLUMNS.map((c) => html`<td>${c.cell(s, fleetOf(s))}</td>`)}
          ${readOnly ? null : html`<${EndpointActions} service=${service} status=${s} onDone=${reload} />`}
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Policy({ service, revision }) {
  const { data, error } = useReload(() => getJson(paths.policy(service)), [service, revision]);
  if (error) return html`<${ErrorLine} error=${error} />`;
  if (!data) return null;
  return html`<div class="policy">
    <h4>Current</h4>
    <pre class="json">${pretty(data.current)}</pre>
    <${ChangeFromPrevious} data=${data} field="policy" noun="policy" />
  </div>`;
}

export function ServicePage({ service, live, session }) {
  const [bump, setBump] = useState(0);
  const reload = () => setBump((b) => b + 1);
  const { data, error } = useReload(() => getJson(paths.service(service)), [service, live.revision, bump]);
  const ticks = useTicks(HEALTH_POLL_MS);
  const health = useReload(() => getJson(paths.health(service)), [service, live.revision, ticks]);
  const routes = useReload(() => getJson(paths.routes(service)), [service, live.revision]);
  const subscribers = useReload(
    () => getJson(paths.subscribers(service)),
    [service, live.subscribersRevision],
  );
  return html`
    <p><a href="#/">← Services</a></p>
    <h2>${service} <small>version ${data?.version ?? "…"}</small></h2>
    <${ErrorLine} error=${error} />
    <h3>Endpoints</h3>
    <${Endpoints} service=${service} data=${data} health=${health.data} readOnly=${session.readOnly} reload=${reload} />
    ${health.data ? html`<${Unregistered} health=${health.data} />` : null}
    <h3>Methods <small>as ${health.data?.reportingClients ?? 0} reporting clients see them</small></h3>
    <${ErrorLine} error=${health.error} />
    ${health.data ? html`<${Methods} health=${health.data} />` : null}
    <h3>Clients</h3>
    ${health.data ? html`<${Clients} health=${health.data} routeVersion=${routes.data?.current?.routeVersion ?? 0} />` : null}
    <h3>Routes</h3>
    <${ErrorLine} error=${routes.error} />
    <${Routes} data=${routes.data} />
    <h3>Rollout</h3>
    <${RolloutSection} service=${service} live=${live} readOnly=${session.readOnly} />
    <h3>Policy</h3>
    <${Policy} service=${service} revision=${live.revision} />
    <h3>Subscribers</h3>
    <${ErrorLine} error=${subscribers.error} />
    <${SubscriberTable} subscribers=${subscribers.data?.subscribers ?? []} />
  `;
}
