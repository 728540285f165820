// A service's route table (GetRoutes): its subsets and their selectors, its rules in order with
// what they match, where they send calls (the split as a bar) and the faults they inject; and
// what changed from the table before.
import { html } from "htm/preact";
import { metadata } from "../format.js";
import { ChangeFromPrevious } from "./history.js";

const HEADER_TESTS = [
  ["exact", (v) => `= "${v}"`],
  ["prefix", (v) => `starts with "${v}"`],
  ["suffix", (v) => `ends with "${v}"`],
  ["safeRegex", (v) => `matches /${v}/`],
  ["present", (v) => (v ? "is present" : "is absent")],
];

function headerTest(h) {
  const [key, text] = HEADER_TESTS.find(([k]) => k in h) ?? ["present", () => "is absent"];
  return `${h.name} ${h.invert ? "not " : ""}${text(h[key])}`;
}

function matchText(match) {
  const parts = [];
  if (match?.method) parts.push(`method ${match.method}`);
  for (const h of match?.headers ?? []) parts.push(`header ${headerTest(h)}`);
  if (match?.runtimePercent !== undefined) parts.push(`${match.runtimePercent}% of calls`);
  return parts.length === 0 ? "every call" : parts.join(" and ");
}

function target(d) {
  return d.subset !== undefined ? `subset ${d.subset}` : `service ${d.service}`;
}

/** The destinations of a rule: one bar, a segment per destination as wide as its weight (one with
 * no weight, kept in place for a split about to move, shows only in the label). */
export function SplitBar({ destinations }) {
  return html`<div class="split" role="img" aria-label=${destinations.map((d) => `${target(d)} ${d.weight ?? 0}%`).join(", ")}>
    ${destinations
      .filter((d) => d.weight)
      .map(
        (
          d,
          i,
        ) => html`<span class=${`segment s${i % 6}`} style=${`flex-grow: ${d.weight ?? 0}`} data-destination=${target(d)}>
        ${d.subset ?? d.service} ${d.weight ?? 0}%
      </span>`,
      )}
  </div>`;
}

function faultText(fault) {
  const parts = [];
  if (fault?.delay) parts.push(`delay ${fault.delay.delayMs} ms for ${fault.delay.percent}% of calls`);
  if (fault?.abort) parts.push(`fail ${fault.abort.percent}% of calls with ${fault.abort.code}`);
  return parts.join("; ");
}

const FALLBACK = { FALLBACK_DEFAULT_ROUTE: "to the whole service" };

function Rule({ rule, index }) {
  const fault = faultText(rule.fault);
  return html`<li class="rule" data-rule=${rule.name}>
    <div><strong>${index + 1}. ${rule.name}</strong> <span class="match">${matchText(rule.match)}</span></div>
    <${SplitBar} destinations=${rule.destinations ?? []} />
    <div class="rule-options">
      ${rule.hashHeader ? html`<span>sticky by header <code>${rule.hashHeader}</code></span>` : null}
      ${rule.timeoutMs ? html`<span>timeout ${rule.timeoutMs} ms</span>` : null}
      ${rule.retry ? html`<span>retry up to ${rule.retry.maxAttempts ?? 0} attempts</span>` : null}
      ${fault ? html`<span class="fault">fault: ${fault}</span>` : null}
      ${rule.fallback ? html`<span>no endpoint in the subset: ${FALLBACK[rule.fallback] ?? "fail"}</span>` : null}
    </div>
  </li>`;
}

export function RouteTable({ routes }) {
  const subsets = routes.subsets ?? [];
  return html`<div class="routes">
    ${
      subsets.length === 0
        ? null
        : html`<table class="subsets">
            <thead><tr><th>Subset</th><th>Selector</th></tr></thead>
            <tbody>
              ${subsets.map((s) => html`<tr data-subset=${s.name}><td><code>${s.name}</code></td><td>${metadata(s.selector)}</td></tr>`)}
            </tbody>
          </table>`
    }
    <ol class="rules">
      ${(routes.rules ?? []).map((rule, i) => html`<${Rule} rule=${rule} index=${i} />`)}
    </ol>
    <p class="empty">Calls no rule matches go to the whole service.${
      routes.propagateHeaders?.length
        ? ` Headers carried to further calls: ${routes.propagateHeaders.join(", ")}.`
        : ""
    }</p>
  </div>`;
}

/** `data`: what /api/services/{service}/routes answers. */
export function Routes({ data }) {
  if (!data) return null;
  return html`
    ${
      data.current
        ? html`<p>Route table version ${data.current.routeVersion ?? 0}</p><${RouteTable} routes=${data.current} />`
        : html`<p class="empty">No route table: every call goes to the whole service.</p>`
    }
    <${ChangeFromPrevious} data=${data} field="routes" noun="route table" />
  `;
}
