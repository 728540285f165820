/** Dashboard sessions: random 256-bit ids held server-side, each with its CSRF token and expiry. */
import { randomBytes, timingSafeEqual } from "node:crypto";

/** How long a session lasts after login. */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** Sessions kept at most; the oldest goes first. */
export const MAX_SESSIONS = 1000;
/** The session cookie's name. */
export const SESSION_COOKIE = "switchboard_session";

export interface Session {
  readonly id: string;
  /** What every state-changing request of this session must send as `x-switchboard-csrf`. */
  readonly csrf: string;
  readonly expiresAtMs: number;
}

/** 256 random bits, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionTable {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number) {}

  create(): Session {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session = { id: randomToken(), csrf: randomToken(), expiresAtMs: this.now() + SESSION_TTL_MS };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, if any. */
  find(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAtMs <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= now) this.sessions.delete(id);
  }
}

/** The Set-Cookie value that opens a session (or, with `undefined`, clears it). */
export function sessionCookie(session: Session | undefined): string {
  const flags = "HttpOnly; SameSite=Strict; Path=/";
  if (!session) return `${SESSION_COOKIE}=; ${flags}; Max-Age=0`;
  return `${SESSION_COOKIE}=${session.id}; ${flags}; Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`;
}
