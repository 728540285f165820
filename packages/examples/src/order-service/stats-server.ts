import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface StatsServer {
  /** "http://host:port/stats" */
  readonly url: string;
  close(): Promise<void>;
}

/** A tiny HTTP server answering `GET /stats` with `snapshot()` as JSON (404 for anything else). */
export async function startStatsServer(
  host: string,
  port: number,
  snapshot: () => unknown,
): Promise<StatsServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/stats") {
      res.writeHead(404, { "content-type": "text/plain" }).end("try GET /stats\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(snapshot()));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/stats`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
