// Pieces several pages share.
import { html } from "htm/preact";

export function ErrorLine({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.code ? `${error.code}: ` : ""}${error.message}</p>`;
}
