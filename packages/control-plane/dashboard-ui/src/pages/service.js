// One service: its endpoints (with drain, undrain and remove), its policy and its subscribers.
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { getJson, paths, post } from "../api.js";
import { ENDPOINT_COLUMNS } from "../columns.js";
import { lineDiff, pretty } from "../diff.js";
import { useReload } from "../live.js";
import { ErrorLine } from "./common.js";
import { SubscriberTable } from "./subscribers.js";

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

function Endpoints({ service, data, readOnly, reload }) {
  const endpoints = data?.endpoints ?? [];
  if (endpoints.length === 0) return html`<p class="empty">No endpoint is registered.</p>`;
  return html`<table class="endpoints">
    <thead>
      <tr>${ENDPOINT_COLUMNS.map((c) => html`<th>${c.title}</th>`)}${readOnly ? null : html`<th>Actions</th>`}</tr>
    </thead>
    <tbody>
      ${endpoints.map(
        (s) => html`<tr data-endpoint=${s.endpoint.id}>
          ${ENDPOINT_COLUMNS.map((c) => html`<td>${c.cell(s)}</td>`)}
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
  const previous = data.history.find(
    (h) => h.version < data.version && h.version !== data.history[0]?.version,
  );
  const diff = previous ? lineDiff(pretty(previous.policy), pretty(data.current)) : [];
  return html`<div class="policy">
    <h4>Current</h4>
    <pre class="json">${pretty(data.current)}</pre>
    ${
      previous
        ? html`<h4>Change from version ${previous.version}</h4>
            <pre class="diff">${diff.map((d) => html`<span class=${`op${d.op === " " ? "" : d.op === "+" ? " added" : " removed"}`}>${d.op} ${d.line}\n</span>`)}</pre>`
        : html`<p class="empty">No earlier policy is known.</p>`
    }
  </div>`;
}

export function ServicePage({ service, live, session }) {
  const [bump, setBump] = useState(0);
  const reload = () => setBump((b) => b + 1);
  const { data, error } = useReload(() => getJson(paths.service(service)), [service, live.revision, bump]);
  const subscribers = useReload(
    () => getJson(paths.subscribers(service)),
    [service, live.subscribersRevision],
  );
  return html`
    <p><a href="#/">← Services</a></p>
    <h2>${service} <small>version ${data?.version ?? "…"}</small></h2>
    <${ErrorLine} error=${error} />
    <h3>Endpoints</h3>
    <${Endpoints} service=${service} data=${data} readOnly=${session.readOnly} reload=${reload} />
    <h3>Policy</h3>
    <${Policy} service=${service} revision=${live.revision} />
    <h3>Subscribers</h3>
    <${ErrorLine} error=${subscribers.error} />
    <${SubscriberTable} subscribers=${subscribers.data?.subscribers ?? []} />
  `;
}
