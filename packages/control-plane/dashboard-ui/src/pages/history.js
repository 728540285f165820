// A policy's or a route table's last change: the value before the current one (from the
// history /api/services/{service}/policy and /routes answer) and the lines that differ, with a
// few lines around them.
import { html } from "htm/preact";
import { around, lineDiff, pretty } from "../diff.js";

const OP_CLASS = { " ": "", "+": " added", "-": " removed", "…": " skipped" };

/** The step before the current value, in an answer { version, current, history }. */
function previousOf(data) {
  const newest = data.history[0]?.version;
  return data.history.find((h) => h.version < data.version && h.version !== newest);
}

export function ChangeFromPrevious({ data, field, noun }) {
  const previous = previousOf(data);
  if (!previous) return html`<p class="empty">No earlier ${noun} is known.</p>`;
  const diff = around(lineDiff(pretty(previous[field]), pretty(data.current)));
  return html`<h4>Change from version ${previous.version}</h4>
    <pre class="diff">${diff.map((d) => html`<span class=${`op${OP_CLASS[d.op]}`}>${d.op === "…" ? "  …" : `${d.op} ${d.line}`}\n</span>`)}</pre>`;
}
