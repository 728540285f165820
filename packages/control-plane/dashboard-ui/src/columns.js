// The columns of a service's endpoint table, in order. A column is a title and how a cell reads
// from one EndpointStatus (as GetService answers it in JSON) and what the clients report of that
// endpoint: `fleet` is { row: its EndpointFleetHealth (GetServiceHealth) or undefined,
// reporting: how many clients report }.
import { html } from "htm/preact";
import { duration, health, metadata, percent } from "./format.js";

function ejectedBy(fleet) {
  if (!fleet.reporting) return html`<span class="empty">no client reports</span>`;
  const n = fleet.row?.ejectedBy ?? 0;
  return html`<span class=${n > 0 ? "ejected-by ejected" : "ejected-by"}>ejected by ${n} of ${fleet.reporting}</span>`;
}

function clientErrors(fleet) {
  const calls = fleet.row?.calls ?? 0;
  if (!calls) return null;
  const errors = fleet.row?.errors ?? 0;
  return html`<div>
    <span class=${errors > 0 ? "failing" : ""}>${percent(fleet.row.errorRate)} errors</span>
    <small> (${errors} of ${calls} calls)</small>
  </div>`;
}

export const ENDPOINT_COLUMNS = [
  { title: "Endpoint", cell: (s) => html`<code>${s.endpoint.id}</code>` },
  {
    title: "Health",
    cell: (s) =>
      html`<span class=${`health ${health(s.endpoint.health).replace(" ", "-")}`}>${health(s.endpoint.health)}</span>`,
  },
  { title: "Reported", cell: (s) => health(s.reportedHealth) },
  { title: "Zone", cell: (s) => s.endpoint.zone || "—" },
  { title: "Weight", cell: (s) => s.endpoint.weight ?? 0 },
  { title: "Metadata", cell: (s) => metadata(s.endpoint.metadata) || "—" },
  { title: "Drained", cell: (s) => (s.endpoint.adminDrained ? "yes (admin)" : "no") },
  { title: "Lease age", cell: (s) => duration(s.leaseAgeMs) },
  { title: "Clients see", cell: (_s, fleet) => html`${ejectedBy(fleet)}${clientErrors(fleet)}` },
];
