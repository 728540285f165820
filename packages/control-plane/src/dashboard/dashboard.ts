/**
 * The web dashboard, served beside /metrics: the page (/), its files (/assets/), the login form
 * (/login) and the JSON API (/api/) with its live feed (/api/events). See docs/dashboard.md.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Authenticator } from "../auth.js";
import type { ControlPlaneMetrics } from "../metrics.js";
import type { AdminDeps } from "../services/admin.js";
import { DashboardAccess } from "./access.js";
import { AdminCallError, adminCalls, httpStatusOf } from "./admin-bridge.js";
import { apiRoutes, type Route } from "./api-routes.js";
import { ConfigHistory, POLICIES, ROUTES } from "./config-history.js";
import { EventFeed } from "./event-feed.js";
import { ChangeNamer } from "./feed-events.js";
import { pathOf, readBody, sameOrigin, send, sendError } from "./http.js";
import { loginPage } from "./login-page.js";
import { sessionCookie } from "./sessions.js";
import { loadBundle, type StaticFile } from "./static-files.js";
import { SUBSCRIBER_POLL_MS, SubscriberWatch } from "./subscriber-watch.js";

export interface DashboardOptions {
  /** The same dependencies the Admin gRPC service is built from. */
  readonly admin: AdminDeps;
  readonly metrics: ControlPlaneMetrics;
  readonly authenticator: Authenticator;
  readonly readOnly: boolean;
  readonly replicaId: string;
  readonly logger: Logger;
  /** Where the bundled front end is; default: dist/dashboard/public of this package. */
  readonly bundleDir?: string;
}

const HTML = "text/html; charset=utf-8";

export class Dashboard {
  private readonly access: DashboardAccess;
  private readonly feed: EventFeed;
  private readonly routes: readonly Route[];
  private readonly bundle: ReadonlyMap<string, StaticFile>;
  private readonly watch: SubscriberWatch;
  private readonly closing = new AbortController();
  private readonly log: Logger;
  private unsubscribe: (() => void) | undefined;

  constructor(opts: DashboardOptions) {
    const now = () => opts.admin.clock.now();
    this.log = opts.logger;
    this.access = new DashboardAccess({ authenticator: opts.authenticator, readOnly: opts.readOnly, now });
    this.feed = new EventFeed(now);
    const admin = adminCalls(opts.admin, opts.metrics);
    const policies = new ConfigHistory(POLICIES, now);
    const routeTables = new ConfigHistory(ROUTES, now);
    const namer = new ChangeNamer();
    this.startFeed = () =>
      opts.admin.store.subscribe((notice) => {
        policies.observe(notice);
        routeTables.observe(notice);
        this.feed.record(namer.name(notice));
      });
    this.routes = apiRoutes({
      admin,
      store: opts.admin.store,
      feed: this.feed,
      policies,
      routeTables,
      replicaId: opts.replicaId,
      authRequired: this.access.authRequired,
      readOnly: opts.readOnly,
      logout: (viewer) => this.access.logout(viewer),
      closing: this.closing.signal,
    });
    this.bundle = loadBundle(opts.bundleDir);
    const list = () => admin.listSubscribers({ service: "" });
    this.watch = new SubscriberWatch({
      feed: this.feed,
      list,
      logger: this.log,
      intervalMs: SUBSCRIBER_POLL_MS,
    });
  }

  private readonly startFeed: () => () => void;

  /** Starts following the change feed and the subscriber tables. */
  start(): void {
    if (this.bundle.size === 0) {
      this.log.warn("the dashboard's front end is not built (dist/dashboard/public); run pnpm run build");
    }
    this.unsubscribe ??= this.startFeed();
    this.watch.start();
  }

  /** Ends the live streams and stops following changes. */
  close(): void {
    this.closing.abort();
    this.unsubscribe?.();
    this.watch.stop();
  }

  /** Answers a dashboard request; false for a path that is not the dashboard's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathOf(req);
    if (path === "/" || path === "/index.html") this.page(req, res);
    else if (path === "/login") void this.login(req, res);
    else if (path.startsWith("/assets/")) this.asset(path.slice("/assets/".length), res);
    else if (path.startsWith("/api/")) void this.api(req, res, path);
    else return false;
    return true;
  }

  private page(req: IncomingMessage, res: ServerResponse): void {
    const index = this.bundle.get("index.html");
    if (!this.access.viewer(req)) send(res, 401, HTML, loginPage());
    else if (!index) send(res, 503, "text/plain", "the dashboard is not built; run pnpm run build\n");
    else send(res, 200, index.contentType, index.body);
  }

  private asset(name: string, res: ServerResponse): void {
    const file = name === "index.html" ? undefined : this.bundle.get(name);
    if (file) send(res, 200, file.contentType, file.body);
    else send(res, 404, "text/plain", "not found\n");
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      if (this.access.viewer(req)) return send(res, 303, "text/plain", "", { location: "/" });
      return send(res, 200, HTML, loginPage());
    }
    const body = await readBody(req);
    if (!sameOrigin(req)) {
      return send(res, 403, HTML, loginPage("Sign in from this dashboard's own page."));
    }
    const token = new URLSearchParams(body ?? "").get("token") ?? "";
    const session = this.access.authRequired ? this.access.login(token) : undefined;
    if (this.access.authRequired && !session) {
      this.log.warn({ peer: req.socket.remoteAddress }, "dashboard sign-in with a wrong admin token");
      return send(res, 401, HTML, loginPage("That is not the admin token."));
    }
    const cookie: Record<string, string> = session ? { "set-cookie": sessionCookie(session) } : {};
    send(res, 303, "text/plain", "", { location: "/", ...cookie });
  }

  private async api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const viewer = this.access.viewer(req);
    if (!viewer) return sendError(res, 401, "UNAUTHENTICATED", "sign in at / with the admin token first");
    const found = this.match(req, path);
    if (found === "wrong-method")
      return sendError(res, 405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}`);
    if (!found) return sendError(res, 404, "NOT_FOUND", `no dashboard API at ${req.method} ${path}`);
    const { route, params } = found;
    if (route.action) {
      const refused = this.access.refuseAction(req, viewer, { mutates: route.action === "mutates" });
      if (refused) return sendError(res, refused.httpCode, refused.code, refused.message);
    }
    try {
      await route.handle({ req, res, viewer, params });
    } catch (error) {
      this.fail(res, error);
    }
  }

  private match(
    req: IncomingMessage,
    path: string,
  ): { route: Route; params: string[] } | "wrong-method" | undefined {
    let wrongMethod = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== req.method) {
        wrongMethod = true;
        continue;
      }
      try {
        return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
      } catch {
        return undefined;
      }
    }
    return wrongMethod ? "wrong-method" : undefined;
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) res.end();
    else if (error instanceof AdminCallError) {
      sendError(res, httpStatusOf(error.code), status[error.code] ?? "UNKNOWN", error.details);
    } else {
      this.log.error({ err: error }, "dashboard request failed");
      sendError(res, 500, "INTERNAL", "internal error in the control plane; see its logs");
    }
  }
}
