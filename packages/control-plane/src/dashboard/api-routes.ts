/**
 * The /api/ routes of the dashboard. Reads and actions go through the Admin handlers
 * (admin-bridge.ts), so the page and grpcurl see and do the same things. A new page adds its
 * routes to this table (the rollout routes live in rollout-routes.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  GetRoutesResponse,
  GetServiceHealthResponse,
  GetServiceResponse,
  ListServicesResponse,
  ListSubscribersResponse,
} from "@switchboard/core/gen/switchboard/v1/admin.js";
import type { Store } from "../store/types.js";
import type { Viewer } from "./access.js";
import type { AdminCalls } from "./admin-bridge.js";
import type { ConfigHistory } from "./config-history.js";
import type { EventFeed } from "./event-feed.js";
import { queryOf, sendJson } from "./http.js";
import { rolloutRoutes } from "./rollout-routes.js";
import { sessionCookie } from "./sessions.js";
import { serveEvents } from "./sse.js";

/** What a route handler is given. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly viewer: Viewer;
  /** Decoded path segments the pattern captured. */
  readonly params: readonly string[];
}

export interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  /** "mutates": an action on the registry (refused in read-only mode); "session": a POST that
   * changes only the viewer's session. Both need the CSRF header and the page's Origin. */
  readonly action?: "mutates" | "session";
  handle(ctx: RouteContext): Promise<void> | void;
}

export interface RouteDeps {
  readonly admin: AdminCalls;
  readonly store: Store;
  readonly feed: EventFeed;
  readonly policies: ConfigHistory<"policy">;
  readonly routeTables: ConfigHistory<"routes">;
  readonly replicaId: string;
  readonly authRequired: boolean;
  readonly readOnly: boolean;
  readonly logout: (viewer: Viewer) => void;
  readonly closing: AbortSignal;
}

const SERVICE = "/api/services/([^/]+)";
const ENDPOINT = `${SERVICE}/endpoints/([^/]+)`;

function param(ctx: RouteContext, i: number): string {
  return ctx.params[i] ?? "";
}

/** What a service's policy or route table is now: the service version and the value in JSON
 * (null: none). */
interface Current {
  readonly version: number;
  readonly value: unknown;
}

export function apiRoutes(d: RouteDeps): readonly Route[] {
  /** GET {service}/{name}: the current value and the earlier ones known, newest first. */
  const withHistory = (
    name: string,
    history: ConfigHistory<string>,
    read: (service: string) => Promise<Current>,
  ): Route => ({
    method: "GET",
    pattern: new RegExp(`^${SERVICE}/${name}$`),
    handle: async (ctx) => {
      const service = param(ctx, 0);
      const { version, value } = await read(service);
      const log = await d.store.changesSince(service, 0).catch(() => undefined);
      sendJson(ctx.res, 200, { service, version, current: value, history: history.history(service, log) });
    },
  });
  const endpointAction = (
    verb: string,
    run: (service: string, endpointId: string) => Promise<{ readonly version: number }>,
  ): Route => ({
    method: "POST",
    pattern: new RegExp(`^${ENDPOINT}/${verb}$`),
    action: "mutates",
    handle: async (ctx) => sendJson(ctx.res, 200, await run(param(ctx, 0), param(ctx, 1))),
  });
  return [
    {
      method: "GET",
      pattern: /^\/api\/session$/,
      handle: ({ res, viewer }) =>
        sendJson(res, 200, {
          authRequired: d.authRequired,
          readOnly: d.readOnly,
          csrf: viewer.csrf,
          replicaId: d.replicaId,
        }),
    },
    {
      method: "POST",
      pattern: /^\/api\/logout$/,
      action: "session",
      handle: ({ res, viewer }) => {
        d.logout(viewer);
        sendJson(res, 200, { signedOut: true }, { "set-cookie": sessionCookie(undefined) });
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/services$/,
      handle: async ({ res }) =>
        sendJson(res, 200, ListServicesResponse.toJSON(await d.admin.listServices({}))),
    },
    {
      method: "GET",
      pattern: new RegExp(`^${SERVICE}$`),
      handle: async (ctx) => {
        const reply = await d.admin.getService({ service: param(ctx, 0) });
        sendJson(ctx.res, 200, GetServiceResponse.toJSON(reply));
      },
    },
    withHistory("policy", d.policies, async (service) => {
      const reply = await d.admin.getService({ service });
      const json = GetServiceResponse.toJSON(reply) as { readonly policy?: unknown };
      return { version: reply.version, value: json.policy ?? null };
    }),
    withHistory("routes", d.routeTables, async (service) => {
      const reply = await d.admin.getRoutes({ service });
      const json = GetRoutesResponse.toJSON(reply) as { readonly routes?: unknown };
      return { version: reply.version, value: json.routes ?? null };
    }),
    {
      method: "GET",
      pattern: new RegExp(`^${SERVICE}/health$`),
      handle: async (ctx) => {
        const reply = await d.admin.getServiceHealth({ service: param(ctx, 0) });
        sendJson(ctx.res, 200, GetServiceHealthResponse.toJSON(reply));
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/subscribers$/,
      handle: async ({ req, res }) => {
        const reply = await d.admin.listSubscribers({ service: queryOf(req).get("service") ?? "" });
        sendJson(res, 200, ListSubscribersResponse.toJSON(reply));
      },
    },
    endpointAction("drain", (service, endpointId) =>
      d.admin.drainEndpoint({ service, endpointId, undo: false }),
    ),
    endpointAction("undrain", (service, endpointId) =>
      d.admin.drainEndpoint({ service, endpointId, undo: true }),
    ),
    endpointAction("remove", (service, endpointId) => d.admin.removeEndpoint({ service, endpointId })),
    ...rolloutRoutes(d.admin),
    {
      method: "GET",
      pattern: /^\/api\/events$/,
      handle: ({ req, res }) => serveEvents(req, res, d.feed, d.closing),
    },
  ];
}
