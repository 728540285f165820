/** Small HTTP helpers of the dashboard: security headers, JSON answers, bounded bodies. */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Every dashboard answer carries these: no inline script or style, no framing, no sniffing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** The largest request body the dashboard reads (a login form, an action's options). */
export const MAX_BODY_BYTES = 16 * 1024;

export function send(
  res: ServerResponse,
  code: number,
  contentType: string,
  body: string | Buffer,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  res.writeHead(code, { ...SECURITY_HEADERS, "content-type": contentType, ...headers }).end(body);
}

export function sendJson(
  res: ServerResponse,
  code: number,
  value: unknown,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  send(res, code, "application/json; charset=utf-8", `${JSON.stringify(value)}\n`, headers);
}

/** A refusal in the one error shape of /api/: `{ error: { code, message } }`. */
export function sendError(res: ServerResponse, httpCode: number, code: string, message: string): void {
  sendJson(res, httpCode, { error: { code, message } });
}

/** The body as text; undefined when it is larger than MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The path of a request, without its query. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0] ?? "/";
}

export function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? "/";
  const at = url.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : url.slice(at + 1));
}

/** Cookies of a request by name (the first of a repeated name wins). */
export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** True when the request's Origin is the page's own (same scheme-less host and port). */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (!origin || !host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}
