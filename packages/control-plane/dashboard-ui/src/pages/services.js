// The services list: every service the store knows, with its endpoints by health.
import { html } from "htm/preact";
import { getJson, paths } from "../api.js";
import { useReload } from "../live.js";
import { ErrorLine } from "./common.js";

export function ServicesPage({ live }) {
  const { data, error } = useReload(() => getJson(paths.services()), [live.revision]);
  const services = data?.services ?? [];
  return html`
    <h2>Services</h2>
    <${ErrorLine} error=${error} />
    ${
      data && services.length === 0
        ? html`<p class="empty">No service is registered yet.</p>`
        : html`<table class="services">
            <thead>
              <tr><th>Service</th><th>Version</th><th>Endpoints</th><th>Serving</th><th>Not serving</th><th>Draining</th><th>Policy</th></tr>
            </thead>
            <tbody>
              ${services.map(
                (s) => html`<tr data-service=${s.service}>
                  <td><a href=${`#/services/${encodeURIComponent(s.service)}`}>${s.service}</a></td>
                  <td>${s.version ?? 0}</td>
                  <td>${s.endpoints ?? 0}</td>
                  <td class="num serving">${s.serving ?? 0}</td>
                  <td class="num not-serving">${s.notServing ?? 0}</td>
                  <td class="num draining">${s.draining ?? 0}</td>
                  <td>${s.hasPolicy ? "yes" : "—"}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}
