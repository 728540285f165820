// The dashboard's single page: a navigation bar, the page the location hash names, and the live
// feed every page re-reads on.
import { html } from "htm/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { loadSession, post } from "./api.js";
import { useLiveFeed } from "./live.js";
import { ErrorLine } from "./pages/common.js";
import { EventList } from "./pages/events.js";
import { PAGES, pageFor } from "./pages/index.js";

function useHash() {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

function Header({ session, live, current }) {
  const signOut = () => post("/api/logout").then(() => window.location.assign("/"));
  return html`<header>
    <h1>Switchboard</h1>
    <nav>
      ${PAGES.filter((p) => p.title).map(
        (p) => html`<a href=${p.href} class=${p === current ? "current" : ""}>${p.title}</a>`,
      )}
    </nav>
    <span class="status">
      ${session.readOnly ? html`<span class="badge">read-only</span>` : null}
      <span class=${live.connected ? "live" : "offline"}>${live.connected ? "● live" : "○ reconnecting"}</span>
      <span title="control-plane replica">${session.replicaId}</span>
      ${session.authRequired ? html`<button onClick=${signOut}>Sign out</button>` : null}
    </span>
  </header>`;
}

function App() {
  const [session, setSession] = useState(undefined);
  const [error, setError] = useState(undefined);
  const live = useLiveFeed();
  const hash = useHash();
  useEffect(() => {
    loadSession().then(setSession, setError);
  }, []);
  if (error) return html`<${ErrorLine} error=${error} />`;
  if (!session) return html`<p>Loading…</p>`;
  const { page, params } = pageFor(hash);
  const Page = page.component;
  return html`
    <${Header} session=${session} live=${live} current=${page} />
    <div class="layout">
      <main><${Page} ...${params} live=${live} session=${session} /></main>
      <aside>
        <h3>Recent events</h3>
        <${EventList} events=${live.events.slice(0, 15)} />
      </aside>
    </div>
  `;
}

render(html`<${App} />`, document.getElementById("app"));
