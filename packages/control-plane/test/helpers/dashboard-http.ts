/** Plain HTTP calls to a control plane's dashboard, as a browser would make them (or would not). */
import { type IncomingHttpHeaders, request } from "node:http";

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpCall {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export function httpCall(port: number, path: string, call: HttpCall = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: call.method ?? "GET", headers: call.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(call.body);
  });
}

/** The session cookie ("name=value") a login reply sets, and its attributes. */
export function sessionCookieOf(reply: HttpReply): { readonly pair: string; readonly attributes: string[] } {
  const raw = reply.headers["set-cookie"]?.[0];
  if (!raw) throw new Error(`no Set-Cookie in the reply (status ${reply.status})`);
  const [pair, ...attributes] = raw.split(";").map((s) => s.trim());
  return { pair: pair ?? "", attributes };
}

/** What the dashboard page sends with an action: its origin and the session's CSRF token. */
export function actionHeaders(port: number, csrf: string, cookie?: string): Record<string, string> {
  return {
    origin: `http://127.0.0.1:${port}`,
    "x-switchboard-csrf": csrf,
    ...(cookie ? { cookie } : {}),
  };
}

/** Signs in with `token`; answers the cookie pair and the session's CSRF token. */
export async function signIn(port: number, token: string): Promise<{ cookie: string; csrf: string }> {
  const reply = await httpCall(port, "/login", {
    method: "POST",
    headers: { origin: `http://127.0.0.1:${port}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
  });
  const cookie = sessionCookieOf(reply).pair;
  const session = await httpCall(port, "/api/session", { headers: { cookie } });
  return { cookie, csrf: (JSON.parse(session.body) as { csrf: string }).csrf };
}

/** Reads server-sent events from `path` until `until` accepts one; resolves with it. */
export function awaitEvent<T>(
  port: number,
  path: string,
  headers: Readonly<Record<string, string>>,
  until: (event: { readonly type: string; readonly data: T }) => boolean,
  onOpen: () => void,
): Promise<{ readonly type: string; readonly data: T }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${path} answered ${res.statusCode}`));
        return;
      }
      let buffer = "";
      onOpen();
      res.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!type || data === undefined) continue;
          const event = { type, data: JSON.parse(data) as T };
          if (until(event)) {
            req.destroy();
            resolve(event);
            return;
          }
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}
