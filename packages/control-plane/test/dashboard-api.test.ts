/**
 * The dashboard's HTTP API on a real control plane: who may see it, how a session is opened,
 * what an action needs (POST, the page's Origin, the CSRF token), read-only mode, actions that
 * reach the registry through the Admin handlers, the live feed over server-sent events, what the
 * clients report (GetServiceHealth) and the route table with the one before it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ReportedBreakerState } from "@switchboard/core/gen/switchboard/v1/types.js";
import { SESSION_TTL_MS, SessionTable } from "../src/dashboard/sessions.js";
import { bearer, call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { actionHeaders, awaitEvent, httpCall, sessionCookieOf, signIn } from "./helpers/dashboard-http.js";
import { WatchClient } from "./helpers/watch.js";
import { clientReport, sendReport } from "./support/report-fixtures.js";
import { splitRoutes } from "./support/route-fixtures.js";

const TOKEN = "dashboard-admin-token";

async function planeWithDashboard(
  options: Parameters<typeof startPlane>[0] = {},
): Promise<Running & { web: number }> {
  const cp = await startPlane({ metricsListenAddress: "127.0.0.1:0", ...options });
  assert.ok(cp.metricsPort, "the metrics port is bound");
  return Object.assign(cp, { web: cp.metricsPort });
}

const register = (cp: Running, overrides = {}) =>
  call(cp.registration.register.bind(cp.registration), registerRequest(overrides));
const getService = (cp: Running, service: string) =>
  call(cp.admin.getService.bind(cp.admin), { service }, bearer(TOKEN));

describe("the dashboard with an admin token configured", () => {
  let cp: Running & { web: number };
  before(async () => {
    cp = await planeWithDashboard({ adminToken: TOKEN });
  });
  after(() => cp.close());

  it("refuses the page and every API route without a session, and shows the login form", async () => {
    const page = await httpCall(cp.web, "/");
    assert.equal(page.status, 401);
    assert.match(page.body, /<form method="post" action="\/login">/);
    for (const path of [
      "/api/services",
      "/api/services/a",
      "/api/subscribers",
      "/api/events",
      "/api/session",
    ]) {
      const reply = await httpCall(cp.web, path);
      assert.equal(reply.status, 401, path);
      assert.equal(JSON.parse(reply.body).error.code, "UNAUTHENTICATED", path);
    }
    const forged = await httpCall(cp.web, "/api/services", {
      headers: { cookie: "switchboard_session=guess" },
    });
    assert.equal(forged.status, 401, "an unknown session id is no session");
    assert.equal((await httpCall(cp.web, "/metrics")).status, 200, "/metrics stays open");
  });

  it("refuses a wrong token at login and sets no cookie", async () => {
    const reply = await httpCall(cp.web, "/login", {
      method: "POST",
      headers: { origin: `http://127.0.0.1:${cp.web}`, "content-type": "application/x-www-form-urlencoded" },
      body: "token=wrong",
    });
    assert.equal(reply.status, 401);
    assert.equal(reply.headers["set-cookie"], undefined);
    assert.match(reply.body, /not the admin token/);
  });

  it("refuses a login posted from another origin", async () => {
    const reply = await httpCall(cp.web, "/login", {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    assert.equal(reply.status, 403);
    assert.equal(reply.headers["set-cookie"], undefined);
  });

  it("exchanges the token for an HttpOnly, SameSite=Strict session cookie with a 256-bit id", async () => {
    const reply = await httpCall(cp.web, "/login", {
      method: "POST",
      headers: { origin: `http://127.0.0.1:${cp.web}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    assert.equal(reply.status, 303);
    assert.equal(reply.headers.location, "/");
    const { pair, attributes } = sessionCookieOf(reply);
    assert.match(pair, /^switchboard_session=[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url");
    for (const flag of ["HttpOnly", "SameSite=Strict", "Path=/"]) assert.ok(attributes.includes(flag), flag);
    const page = await httpCall(cp.web, "/", { headers: { cookie: pair } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script src="\/assets\/app.js" defer><\/script>/);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'self'/);
    const js = await httpCall(cp.web, "/assets/app.js");
    assert.match(String(js.headers["content-type"]), /^text\/javascript/);
    const css = await httpCall(cp.web, "/assets/app.css");
    assert.match(String(css.headers["content-type"]), /^text\/css/);
  });

  it("drains, undrains and removes an endpoint through the API only with the CSRF token and the page's Origin", async () => {
    await register(cp, { service: "checkout", host: "10.1.0.1", port: 9000 });
    const { cookie, csrf } = await signIn(cp.web, TOKEN);
    const drain = "/api/services/checkout/endpoints/10.1.0.1%3A9000/drain";
    const refusals: Array<[Record<string, string>, number, string]> = [
      [{ cookie, origin: `http://127.0.0.1:${cp.web}` }, 403, "BAD_CSRF_TOKEN"],
      [{ ...actionHeaders(cp.web, "not-the-token", cookie) }, 403, "BAD_CSRF_TOKEN"],
      [{ ...actionHeaders(cp.web, csrf, cookie), origin: "http://evil.example" }, 403, "BAD_ORIGIN"],
      [{ cookie, "x-switchboard-csrf": csrf }, 403, "BAD_ORIGIN"],
      [{ ...actionHeaders(cp.web, csrf) }, 401, "UNAUTHENTICATED"],
    ];
    for (const [headers, status, code] of refusals) {
      const reply = await httpCall(cp.web, drain, { method: "POST", headers });
      assert.equal(reply.status, status, JSON.stringify(headers));
      assert.equal(JSON.parse(reply.body).error.code, code);
    }
    assert.equal(
      (await httpCall(cp.web, drain, { headers: actionHeaders(cp.web, csrf, cookie) })).status,
      405,
    );
    assert.equal(
      (await getService(cp, "checkout")).endpoints[0]?.endpoint?.adminDrained,
      false,
      "nothing drained yet",
    );

    const drained = await httpCall(cp.web, drain, {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
    });
    assert.equal(drained.status, 200, drained.body);
    assert.equal((await getService(cp, "checkout")).endpoints[0]?.endpoint?.adminDrained, true);

    const undrain = drain.replace(/drain$/, "undrain");
    await httpCall(cp.web, undrain, { method: "POST", headers: actionHeaders(cp.web, csrf, cookie) });
    assert.equal((await getService(cp, "checkout")).endpoints[0]?.endpoint?.adminDrained, false);

    const remove = drain.replace(/drain$/, "remove");
    const removed = await httpCall(cp.web, remove, {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
    });
    assert.equal(removed.status, 200);
    assert.equal((await cp.plane.store.getService("checkout")).endpoints.length, 0);
  });

  it("answers the Admin API's errors with their code and field", async () => {
    const { cookie, csrf } = await signIn(cp.web, TOKEN);
    const unknown = await httpCall(cp.web, "/api/services/nope", { headers: { cookie } });
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body).error.code, "NOT_FOUND");
    const bad = await httpCall(cp.web, "/api/services/checkout/endpoints/no-port/drain", {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error.message, /^endpoint_id: /);
  });

  it("starts a rollout through the API, shows it in the rollout lists and ends it on abort", async () => {
    const { cookie, csrf } = await signIn(cp.web, TOKEN);
    await register(cp, { service: "canary", host: "10.1.2.1", port: 7000 });
    const start = "/api/services/canary/rollout/start";
    const body = JSON.stringify({
      policy: { timeoutMs: 250 },
      stages: [
        { percent: 10, holdMs: 5000 },
        { percent: 100, holdMs: 5000 },
      ],
      gates: { maxErrorRateIncrease: 0.1 },
    });
    const forged = await httpCall(cp.web, start, {
      headers: { cookie, origin: `http://127.0.0.1:${cp.web}` },
      method: "POST",
      body,
    });
    assert.equal(forged.status, 403, "no CSRF token, no rollout");
    assert.equal(await cp.plane.store.getRollout("canary"), undefined);
    const started = await httpCall(cp.web, start, {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
      body,
    });
    assert.equal(started.status, 200, started.body);
    const one = JSON.parse(
      (await httpCall(cp.web, "/api/services/canary/rollout", { headers: { cookie } })).body,
    );
    assert.equal(one.rollout.state, "ROLLOUT_STATE_RUNNING");
    assert.equal(one.rollout.percent, 10);
    assert.equal(one.rollout.gates.maxErrorRateIncrease, 0.1);
    const all = JSON.parse((await httpCall(cp.web, "/api/rollouts", { headers: { cookie } })).body);
    assert.deepEqual(
      all.rollouts.map((r: { service: string; state: string }) => [r.service, r.state]),
      [["canary", "ROLLOUT_STATE_RUNNING"]],
    );
    const aborted = await httpCall(cp.web, "/api/services/canary/rollout/abort", {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
    });
    assert.equal(aborted.status, 200, aborted.body);
    const record = await cp.plane.store.getRollout("canary");
    assert.equal(record?.active, false, "the rollout has ended");
    const after = JSON.parse(
      (await httpCall(cp.web, "/api/services/canary/rollout", { headers: { cookie } })).body,
    );
    assert.equal(after.rollout.state, "ROLLOUT_STATE_ABORTED");
    const again = await httpCall(cp.web, "/api/services/canary/rollout/pause", {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
    });
    assert.equal(again.status, 409, "an ended rollout cannot be paused");
  });

  it("refuses a rollout whose stages do not end at 100 percent, naming the field", async () => {
    const { cookie, csrf } = await signIn(cp.web, TOKEN);
    await register(cp, { service: "badstages", host: "10.1.3.1", port: 7000 });
    const reply = await httpCall(cp.web, "/api/services/badstages/rollout/start", {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
      body: JSON.stringify({ policy: { timeoutMs: 250 }, stages: [{ percent: 10 }, { percent: 50 }] }),
    });
    assert.equal(reply.status, 400, reply.body);
    assert.match(JSON.parse(reply.body).error.message, /^stages\[1\]\.percent: /);
    const garbled = await httpCall(cp.web, "/api/services/badstages/rollout/start", {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
      body: "{not json",
    });
    assert.equal(garbled.status, 400);
    assert.match(JSON.parse(garbled.body).error.message, /^body: /);
    assert.equal(await cp.plane.store.getRollout("badstages"), undefined, "nothing was started");
    const none = JSON.parse(
      (await httpCall(cp.web, "/api/services/badstages/rollout", { headers: { cookie } })).body,
    );
    assert.equal(none.rollout, null);
  });

  it("ends the session on logout", async () => {
    const { cookie, csrf } = await signIn(cp.web, TOKEN);
    assert.equal((await httpCall(cp.web, "/api/services", { headers: { cookie } })).status, 200);
    const out = await httpCall(cp.web, "/api/logout", {
      method: "POST",
      headers: actionHeaders(cp.web, csrf, cookie),
    });
    assert.equal(out.status, 200);
    assert.match(String(out.headers["set-cookie"]), /Max-Age=0/);
    assert.equal((await httpCall(cp.web, "/api/services", { headers: { cookie } })).status, 401);
  });

  it("delivers a registration, a drain and a deregistration on /api/events as they happen", async () => {
    const { cookie } = await signIn(cp.web, TOKEN);
    const seen: string[] = [];
    let leaseId = "";
    const done = awaitEvent<{ kind: string; service: string; endpointId?: string }>(
      cp.web,
      "/api/events",
      { cookie, "last-event-id": "1000000" },
      (e) => {
        if (e.type !== "change" || e.data.service !== "live") return false;
        seen.push(e.data.kind);
        if (e.data.kind === "registered") {
          void call(
            cp.admin.drainEndpoint.bind(cp.admin),
            {
              service: "live",
              endpointId: "10.2.0.1:80",
              undo: false,
            },
            bearer(TOKEN),
          ).then(() => call(cp.registration.deregister.bind(cp.registration), { leaseId }));
        }
        return e.data.kind === "deregistered";
      },
      () =>
        void register(cp, { service: "live", host: "10.2.0.1", port: 80 }).then((r) => (leaseId = r.leaseId)),
    );
    await done;
    assert.deepEqual(seen, ["registered", "drained", "deregistered"]);
  });

  it("shows the current policy and the one before it", async () => {
    const { cookie } = await signIn(cp.web, TOKEN);
    const setPolicy = (request: Parameters<typeof cp.admin.setPolicy>[0]) =>
      call(cp.admin.setPolicy.bind(cp.admin), request, bearer(TOKEN));
    await setPolicy({ service: "pricing", policy: { timeoutMs: 100, methods: {} }, validateOnly: false });
    await setPolicy({ service: "pricing", policy: { timeoutMs: 250, methods: {} }, validateOnly: false });
    const reply = await httpCall(cp.web, "/api/services/pricing/policy", { headers: { cookie } });
    const body = JSON.parse(reply.body);
    assert.equal(body.current.timeoutMs, 250);
    assert.deepEqual(
      body.history.map((h: { policy: { timeoutMs: number } }) => h.policy.timeoutMs),
      [250, 100],
    );
  });

  it("answers a service's health with the endpoints a reporting client ejects and the circuits it holds open", async () => {
    await register(cp, { service: "fleet-view", host: "10.5.0.1", port: 80 });
    await register(cp, { service: "fleet-view", host: "10.5.0.2", port: 80 });
    const watch = new WatchClient(cp.discovery);
    try {
      watch.hello("web-7d4f", { zone: "eu-west-1a" });
      watch.subscribe("fleet-view");
      watch.ack(await watch.next());
      const open = ReportedBreakerState.REPORTED_BREAKER_STATE_OPEN;
      const report = clientReport("fleet-view", {
        endpoints: [
          { id: "10.5.0.1:80", ejected: true, connectivity: 3, calls: 8, errors: 6 },
          { id: "10.5.0.2:80", ejected: false, connectivity: 3, calls: 10, errors: 0 },
        ],
        methods: [
          {
            method: "shop.Cart/Add",
            breaker: open,
            calls: 18,
            errors: [{ code: 14, count: 6 }],
            retries: 0,
            rateLimited: 0,
            latencyP50Ms: 1,
            latencyP99Ms: 5,
          },
        ],
      });
      await sendReport(watch, report);
      const { cookie } = await signIn(cp.web, TOKEN);
      const reply = await httpCall(cp.web, "/api/services/fleet-view/health", { headers: { cookie } });
      assert.equal(reply.status, 200, reply.body);
      const health = JSON.parse(reply.body);
      assert.equal(health.reportingClients, 1);
      assert.deepEqual(
        health.endpoints.map((e: { endpointId: string; ejectedBy?: number; errorRate?: number }) => [
          e.endpointId,
          e.ejectedBy ?? 0,
          e.errorRate ?? 0,
        ]),
        [
          ["10.5.0.1:80", 1, 0.75],
          ["10.5.0.2:80", 0, 0],
        ],
      );
      assert.deepEqual(
        health.methods.map((m: { method: string; openIn: number }) => [m.method, m.openIn]),
        [["shop.Cart/Add", 1]],
      );
      assert.equal(health.clients[0].clientId, "web-7d4f");
      assert.equal(health.clients[0].zone, "eu-west-1a");
    } finally {
      watch.close();
    }
  });

  it("shows the current route table and the ones before it", async () => {
    const { cookie } = await signIn(cp.web, TOKEN);
    await register(cp, { service: "canary", host: "10.6.0.1", port: 80 });
    const setRoutes = (v2Weight: number) =>
      call(
        cp.admin.setRoutes.bind(cp.admin),
        { service: "canary", routes: splitRoutes(v2Weight), validateOnly: false },
        bearer(TOKEN),
      );
    const none = JSON.parse(
      (await httpCall(cp.web, "/api/services/canary/routes", { headers: { cookie } })).body,
    );
    assert.equal(none.current, null, "no table yet");
    const first = await setRoutes(10);
    const second = await setRoutes(50);
    const reply = await httpCall(cp.web, "/api/services/canary/routes", { headers: { cookie } });
    const body = JSON.parse(reply.body);
    const weights = (routes: { rules: { destinations: { weight: number }[] }[] }) =>
      routes.rules[0]?.destinations.map((d) => d.weight);
    assert.deepEqual(weights(body.current), [50, 50]);
    assert.equal(body.current.routeVersion, second.version);
    assert.deepEqual(
      body.history.map((h: { version: number; routes: Parameters<typeof weights>[0] }) => [
        h.version,
        weights(h.routes),
      ]),
      [
        [second.version, [50, 50]],
        [first.version, [90, 10]],
      ],
    );
  });
});

describe("the dashboard without an admin token", () => {
  it("is open to view, but actions still need the CSRF token and the page's Origin", async () => {
    const cp = await planeWithDashboard();
    try {
      await register(cp, { service: "open", host: "10.3.0.1", port: 1 });
      assert.equal((await httpCall(cp.web, "/")).status, 200);
      const session = JSON.parse((await httpCall(cp.web, "/api/session")).body);
      assert.equal(session.authRequired, false);
      const drain = "/api/services/open/endpoints/10.3.0.1%3A1/drain";
      const bare = await httpCall(cp.web, drain, { method: "POST" });
      assert.equal(bare.status, 403);
      const ok = await httpCall(cp.web, drain, {
        method: "POST",
        headers: actionHeaders(cp.web, session.csrf),
      });
      assert.equal(ok.status, 200);
      assert.equal((await getService(cp, "open")).endpoints[0]?.endpoint?.adminDrained, true);
    } finally {
      await cp.close();
    }
  });

  it("refuses every action in read-only mode and changes nothing", async () => {
    const cp = await planeWithDashboard({ dashboardReadOnly: "on" });
    try {
      await register(cp, { service: "ro", host: "10.4.0.1", port: 1 });
      const session = JSON.parse((await httpCall(cp.web, "/api/session")).body);
      assert.equal(session.readOnly, true);
      for (const verb of ["drain", "undrain", "remove"]) {
        const reply = await httpCall(cp.web, `/api/services/ro/endpoints/10.4.0.1%3A1/${verb}`, {
          method: "POST",
          headers: actionHeaders(cp.web, session.csrf),
        });
        assert.equal(reply.status, 403, verb);
        assert.equal(JSON.parse(reply.body).error.code, "READ_ONLY");
      }
      const state = await cp.plane.store.getService("ro");
      assert.equal(state.endpoints.length, 1);
      assert.equal(state.endpoints[0]?.adminDrained, false);
      for (const verb of ["start", "pause", "resume", "promote", "abort"]) {
        const reply = await httpCall(cp.web, `/api/services/ro/rollout/${verb}`, {
          method: "POST",
          headers: actionHeaders(cp.web, session.csrf),
          body: JSON.stringify({ policy: { timeoutMs: 250 } }),
        });
        assert.equal(reply.status, 403, verb);
        assert.equal(JSON.parse(reply.body).error.code, "READ_ONLY");
      }
      assert.equal(await cp.plane.store.getRollout("ro"), undefined, "no rollout was started");
      assert.equal((await httpCall(cp.web, "/api/services/ro")).status, 200, "reads still work");
    } finally {
      await cp.close();
    }
  });

  it("is not served with --dashboard off, while /metrics is", async () => {
    const cp = await planeWithDashboard({ dashboard: "off" });
    try {
      assert.equal((await httpCall(cp.web, "/")).status, 404);
      assert.equal((await httpCall(cp.web, "/api/services")).status, 404);
      assert.equal((await httpCall(cp.web, "/metrics")).status, 200);
    } finally {
      await cp.close();
    }
  });
});

describe("dashboard sessions", () => {
  it("expire after their lifetime", () => {
    let now = 1_000;
    const table = new SessionTable(() => now);
    const session = table.create();
    now += SESSION_TTL_MS - 1;
    assert.equal(table.find(session.id), session);
    now += 1;
    assert.equal(table.find(session.id), undefined);
  });
});
