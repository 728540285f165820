/**
 * The rollout routes of the dashboard: every service's latest rollout, one service's, and the
 * operator actions (start, pause, resume, promote, abort), each through the Admin handlers.
 */
import { status } from "@grpc/grpc-js";
import { Rollout, StartRolloutRequest } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { AdminCallError, type AdminCalls } from "./admin-bridge.js";
import type { Route, RouteContext } from "./api-routes.js";
import { readBody, sendError, sendJson } from "./http.js";

const ROLLOUT = "/api/services/([^/]+)/rollout";

/** The operator actions on an active rollout, by the verb in their path. */
type Verb = "pause" | "resume" | "promote" | "abort";

function serviceOf(ctx: RouteContext): string {
  return ctx.params[0] ?? "";
}

/** The rollout of `service`, or undefined when it has none. */
async function latest(admin: AdminCalls, service: string): Promise<Rollout | undefined> {
  try {
    return (await admin.getRollout({ service })).rollout;
  } catch (error) {
    if (error instanceof AdminCallError && error.code === status.NOT_FOUND) return undefined;
    throw error;
  }
}

/** The JSON body of an action, or undefined (with the 400 sent) when it is not a JSON object. */
async function jsonBody(ctx: RouteContext): Promise<Record<string, unknown> | undefined> {
  const text = await readBody(ctx.req);
  if (text === undefined) {
    sendError(ctx.res, 413, "INVALID_ARGUMENT", "body: too large");
    return undefined;
  }
  try {
    const value: unknown = text.trim() === "" ? {} : JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  sendError(ctx.res, 400, "INVALID_ARGUMENT", "body: must be a JSON object (StartRolloutRequest)");
  return undefined;
}

export function rolloutRoutes(admin: AdminCalls): readonly Route[] {
  const action = (verb: Verb, run: (service: string) => Promise<{ rollout?: Rollout }>): Route => ({
    method: "POST",
    pattern: new RegExp(`^${ROLLOUT}/${verb}$`),
    action: "mutates",
    handle: async (ctx) => {
      const { rollout } = await run(serviceOf(ctx));
      sendJson(ctx.res, 200, { rollout: rollout ? Rollout.toJSON(rollout) : null });
    },
  });
  return [
    {
      method: "GET",
      pattern: /^\/api\/rollouts$/,
      handle: async ({ res }) => {
        const { services } = await admin.listServices({});
        const found = await Promise.all(services.map((s) => latest(admin, s.service)));
        const rollouts = found.filter((r): r is Rollout => r !== undefined).map((r) => Rollout.toJSON(r));
        sendJson(res, 200, { rollouts });
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^${ROLLOUT}$`),
      handle: async (ctx) => {
        const rollout = await latest(admin, serviceOf(ctx));
        sendJson(ctx.res, 200, { rollout: rollout ? Rollout.toJSON(rollout) : null });
      },
    },
    {
      method: "POST",
      pattern: new RegExp(`^${ROLLOUT}/start$`),
      action: "mutates",
      handle: async (ctx) => {
        const body = await jsonBody(ctx);
        if (!body) return;
        let request: StartRolloutRequest;
        try {
          request = StartRolloutRequest.fromJSON({ ...body, service: serviceOf(ctx) });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return sendError(ctx.res, 400, "INVALID_ARGUMENT", `body: ${message}`);
        }
        const { rollout } = await admin.startRollout(request);
        sendJson(ctx.res, 200, { rollout: rollout ? Rollout.toJSON(rollout) : null });
      },
    },
    action("pause", (service) => admin.pauseRollout({ service })),
    action("resume", (service) => admin.resumeRollout({ service })),
    action("promote", (service) => admin.promoteRollout({ service })),
    action("abort", (service) => admin.abortRollout({ service, reason: "aborted from the dashboard" })),
  ];
}
