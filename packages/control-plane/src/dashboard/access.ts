/**
 * Who may see the dashboard and act through it. With an admin token configured, every page and
 * /api/ route needs a session, opened by presenting the token; without one the dashboard is open,
 * as Admin is. Either way a state-changing request must be a POST from the page's own origin
 * carrying the CSRF token the page was given, and read-only mode refuses every action.
 */
import type { IncomingMessage } from "node:http";
import type { Authenticator } from "../auth.js";
import { cookies, sameOrigin } from "./http.js";
import { randomToken, SESSION_COOKIE, type Session, SessionTable, sameToken } from "./sessions.js";

/** The header that carries the CSRF token on every action. */
export const CSRF_HEADER = "x-switchboard-csrf";

/** What a viewer holds: the CSRF token to send with actions, and its session (absent when open). */
export interface Viewer {
  readonly csrf: string;
  readonly session: Session | undefined;
}

/** Why a request is refused: an HTTP status and a code for the /api/ error shape. */
export interface Refusal {
  readonly httpCode: number;
  readonly code: string;
  readonly message: string;
}

export interface AccessOptions {
  readonly authenticator: Authenticator;
  readonly readOnly: boolean;
  readonly now: () => number;
}

export class DashboardAccess {
  readonly authRequired: boolean;
  readonly readOnly: boolean;
  private readonly sessions: SessionTable;
  /** The CSRF token of an open dashboard (no admin token): one per process. */
  private readonly openCsrf = randomToken();

  constructor(private readonly opts: AccessOptions) {
    this.authRequired = opts.authenticator.requires("admin");
    this.readOnly = opts.readOnly;
    this.sessions = new SessionTable(opts.now);
  }

  /** The viewer of a request, or undefined when it needs a session it lacks. */
  viewer(req: IncomingMessage): Viewer | undefined {
    if (!this.authRequired) return { csrf: this.openCsrf, session: undefined };
    const session = this.sessions.find(cookies(req).get(SESSION_COOKIE));
    return session ? { csrf: session.csrf, session } : undefined;
  }

  /** A new session when `token` is the admin token; undefined otherwise (or with none configured). */
  login(token: string): Session | undefined {
    return this.opts.authenticator.grantsToken("admin", token) ? this.sessions.create() : undefined;
  }

  logout(viewer: Viewer): void {
    if (viewer.session) this.sessions.end(viewer.session.id);
  }

  /** Why a state-changing request may not go ahead, or undefined when it may. */
  refuseAction(
    req: IncomingMessage,
    viewer: Viewer,
    options: { readonly mutates: boolean },
  ): Refusal | undefined {
    if (req.method !== "POST") return refusal(405, "METHOD_NOT_ALLOWED", "actions are POST requests");
    if (!sameOrigin(req))
      return refusal(403, "BAD_ORIGIN", "the Origin header must be this dashboard's own origin");
    const presented = req.headers[CSRF_HEADER];
    if (typeof presented !== "string" || !sameToken(presented, viewer.csrf))
      return refusal(
        403,
        "BAD_CSRF_TOKEN",
        `the ${CSRF_HEADER} header must carry the token from /api/session`,
      );
    if (options.mutates && this.readOnly)
      return refusal(403, "READ_ONLY", "this dashboard is read-only (--dashboard-read-only on)");
    return undefined;
  }
}

function refusal(httpCode: number, code: string, message: string): Refusal {
  return { httpCode, code, message };
}
