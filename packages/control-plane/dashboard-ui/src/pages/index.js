// The pages of the dashboard: each a path (the part after "#"), a title for the navigation bar
// (none: not listed there) and a component. A new page is one more entry.
import { EventsPage } from "./events.js";
import { RolloutsPage } from "./rollouts.js";
import { ServicePage } from "./service.js";
import { ServicesPage } from "./services.js";
import { SubscribersPage } from "./subscribers.js";

export const PAGES = [
  { path: /^\/$/, href: "#/", title: "Services", component: ServicesPage },
  {
    path: /^\/services\/(.+)$/,
    component: ServicePage,
    params: (m) => ({ service: decodeURIComponent(m[1]) }),
  },
  { path: /^\/subscribers$/, href: "#/subscribers", title: "Subscribers", component: SubscribersPage },
  { path: /^\/rollouts$/, href: "#/rollouts", title: "Rollouts", component: RolloutsPage },
  { path: /^\/events$/, href: "#/events", title: "Events", component: EventsPage },
];

/** The page for a location hash, with its parameters; the services list for anything unknown. */
export function pageFor(hash) {
  const route = hash.replace(/^#/, "") || "/";
  for (const page of PAGES) {
    const m = page.path.exec(route);
    if (m) return { page, params: page.params ? page.params(m) : {} };
  }
  return { page: PAGES[0], params: {} };
}
