// The columns of a service's endpoint table, in order. A column is a title and how a cell reads
// from one EndpointStatus (as GetService answers it in JSON). Columns that need data the API does
// not serve yet (say, how many clients eject an endpoint) are added here once it does.
import { html } from "htm/preact";
import { duration, health, metadata } from "./format.js";

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
];
