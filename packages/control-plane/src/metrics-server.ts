import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { parseHostPort } from "./config.js";

/** More pages on the metrics port (the dashboard): answers a request, or returns false. */
export interface HttpPages {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** The HTTP server of `/metrics` (Prometheus text format), on its own port, and of `pages`. */
export class MetricsServer {
  private server: Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly logger: Logger,
    private readonly pages?: HttpPages,
  ) {}

  /** Listens on "host:port"; resolves with the bound port. */
  async listen(address: string): Promise<number> {
    const { host, port } = parseHostPort("metricsListenAddress", address);
    const server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path !== "/metrics" && this.pages?.handle(req, res)) return;
      if (req.method !== "GET" || path !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found; metrics are at GET /metrics\n");
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.error({ err: error }, "collecting metrics failed");
          res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host.replace(/^\[|\]$/g, ""), () => {
        server.off("error", reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
