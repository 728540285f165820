/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core): the login it asks for, the services it lists, an instance that leaves
 * vanishing from the page without a reload, a drain clicked on the page reaching the registry,
 * what a reporting client sees (an endpoint it ejects) beside the route table's split, and a
 * rollout's stage and gates with an abort clicked on the page. The
 * screenshots it takes are the ones docs/dashboard.md shows.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RolloutState, StartRolloutRequest } from "@switchboard/core/gen/switchboard/v1/admin.js";
import { RouteTable } from "@switchboard/core/gen/switchboard/v1/route.js";
import { type Browser, chromium, type Page } from "playwright-core";
import { bearer, call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";
import { clientReport, sendReport } from "./support/report-fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "browser-test-admin-token";
const IMAGES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "images");
/** How soon a change must show on the page. */
const LIVE_MS = 2000;
/** How often the service page re-reads the clients' reports (HEALTH_POLL_MS of the page). */
const HEALTH_POLL_MS = 3000;

/** Checkout's route table: QA's header to the canary, and a sticky split of the rest. */
function checkoutRoutes(canaryWeight: number): RouteTable {
  return RouteTable.fromPartial({
    subsets: [
      { name: "stable", selector: { version: "1.4.2" } },
      { name: "canary", selector: { version: "1.5.0" } },
    ],
    rules: [
      {
        name: "qa",
        match: { headers: [{ name: "x-canary", kind: { $case: "exact", exact: "1" } }] },
        destinations: [{ weight: 100, target: { $case: "subset", subset: "canary" } }],
      },
      {
        name: "split",
        match: { method: "shop.Checkout" },
        hashHeader: "x-user",
        destinations: [
          { weight: 100 - canaryWeight, target: { $case: "subset", subset: "stable" } },
          { weight: canaryWeight, target: { $case: "subset", subset: "canary" } },
        ],
        fault: { abort: { code: "UNAVAILABLE", percent: 1 } },
      },
    ],
    propagateHeaders: ["x-canary"],
  });
}

describe("the dashboard in a browser", { timeout: 40_000 }, () => {
  let cp: Running;
  let web: string;
  let browser: Browser;
  let page: Page;
  const register = (overrides = {}) =>
    call(cp.registration.register.bind(cp.registration), registerRequest(overrides));
  const getService = (service: string) =>
    call(cp.admin.getService.bind(cp.admin), { service }, bearer(TOKEN));
  const shot = (name: string) =>
    page.screenshot({ path: join(IMAGES, `dashboard-${name}.png`), fullPage: true });
  const row = (id: string) => page.locator(`tr[data-endpoint="${id}"]`);

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install it with "apt-get install -y chromium" (the browser test needs a real Chromium)`,
    );
    mkdirSync(IMAGES, { recursive: true });
    cp = await startPlane({ metricsListenAddress: "127.0.0.1:0", adminToken: TOKEN, replicaId: "cp-1" });
    web = `http://127.0.0.1:${cp.metricsPort}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 800 } });
  });
  after(async () => {
    await browser?.close();
    await cp?.close();
  });

  it("asks for the admin token, refuses a wrong one and opens after the right one", async () => {
    const first = await page.goto(web);
    assert.equal(first?.status(), 401);
    await page.locator("#token").fill("not-the-token");
    await page.locator("button[type=submit]").click();
    await page.getByRole("alert").filter({ hasText: "not the admin token" }).waitFor();
    await page.locator("#token").fill("");
    await shot("login");
    await page.locator("#token").fill(TOKEN);
    await page.locator("button[type=submit]").click();
    await page.getByRole("heading", { name: "Services" }).waitFor();
  });

  it("lists the registered services with their endpoints by health", async () => {
    await register({
      service: "checkout",
      host: "10.0.0.1",
      port: 8080,
      zone: "eu-west-1a",
      metadata: { version: "1.4.2" },
    });
    await register({
      service: "checkout",
      host: "10.0.0.2",
      port: 8080,
      zone: "eu-west-1b",
      metadata: { version: "1.4.2" },
    });
    await register({ service: "checkout", host: "10.0.0.3", port: 8080, zone: "eu-west-1c", health: 2 });
    await register({ service: "pricing", host: "10.0.1.1", port: 9090, zone: "eu-west-1a" });
    const setPolicy = (timeoutMs: number) =>
      call(
        cp.admin.setPolicy.bind(cp.admin),
        {
          service: "checkout",
          policy: { timeoutMs, methods: {} },
          validateOnly: false,
        },
        bearer(TOKEN),
      );
    await setPolicy(800);
    await setPolicy(1500);
    const checkout = page.locator('tr[data-service="checkout"]');
    await checkout.locator("td.serving", { hasText: "2" }).waitFor({ timeout: LIVE_MS });
    await checkout.locator("td.not-serving", { hasText: "1" }).waitFor({ timeout: LIVE_MS });
    await page.locator('tr[data-service="pricing"]').waitFor({ timeout: LIVE_MS });
    await shot("services");
  });

  it("removes an instance that deregisters, and one whose lease expires, within 2 s without a reload", async () => {
    const leaving = await register({ service: "checkout", host: "10.0.0.9", port: 8080, zone: "eu-west-1a" });
    const registeredAtMs = Date.now();
    await register({ service: "checkout", host: "10.0.0.8", port: 8080, ttlMs: 3000 });
    await page.goto(`${web}/#/services/checkout`);
    await row("10.0.0.9:8080").waitFor({ timeout: LIVE_MS });
    await row("10.0.0.8:8080").waitFor({ timeout: LIVE_MS });
    await page.evaluate(() => Object.assign(globalThis, { stillTheSamePage: true }));

    await call(cp.registration.deregister.bind(cp.registration), { leaseId: leaving.leaseId });
    await row("10.0.0.9:8080").waitFor({ state: "detached", timeout: LIVE_MS });

    const expiresAtMs = registeredAtMs + 3000;
    await row("10.0.0.8:8080").waitFor({ state: "detached", timeout: expiresAtMs + LIVE_MS - Date.now() });
    assert.equal(
      await page.evaluate(() => "stillTheSamePage" in globalThis),
      true,
      "the page was not reloaded",
    );
  });

  it("drains an endpoint from the page: GetService shows it admin_drained", async () => {
    const watch = new WatchClient(cp.discovery);
    try {
      watch.hello("orders-7f9c", { zone: "eu-west-1a" });
      watch.subscribe("checkout");
      watch.ack(await watch.next());
      await page.goto(`${web}/#/services/checkout`);
      const target = row("10.0.0.2:8080");
      await target.getByRole("button", { name: "Drain" }).click();
      await target.getByText("yes (admin)").waitFor({ timeout: LIVE_MS });
      const service = await getService("checkout");
      const drained = service.endpoints.find((e) => e.endpoint?.id === "10.0.0.2:8080");
      assert.equal(drained?.endpoint?.adminDrained, true);
      await page.locator("table.subscribers").getByText("orders-7f9c").waitFor({ timeout: 5000 });
      await page.goto(`${web}/#/events`);
      await page.locator('li[data-kind="drained"]').first().waitFor({ timeout: LIVE_MS });
      await shot("events");
    } finally {
      watch.close();
    }
  });

  it("shows the route split and, within a few seconds, an endpoint a reporting client ejects", async () => {
    const setRoutes = (canaryWeight: number) =>
      call(
        cp.admin.setRoutes.bind(cp.admin),
        { service: "checkout", routes: checkoutRoutes(canaryWeight), validateOnly: false },
        bearer(TOKEN),
      );
    await setRoutes(5);
    const { version: routeVersion } = await setRoutes(10);
    const watch = new WatchClient(cp.discovery);
    try {
      watch.hello("orders-7f9c", { zone: "eu-west-1a" });
      watch.subscribe("checkout");
      const snapshot = await watch.next();
      watch.ack(snapshot);
      const policyVersion = snapshot.kind?.$case === "snapshot" ? snapshot.kind.snapshot.version : 0;
      const seen = (ejected: boolean) =>
        clientReport("checkout", {
          policyVersion,
          routeVersion,
          endpoints: [
            { id: "10.0.0.1:8080", ejected, connectivity: 3, calls: 40, errors: ejected ? 31 : 2 },
            { id: "10.0.0.2:8080", ejected: false, connectivity: 3, calls: 38, errors: 0 },
          ],
          methods: [
            {
              method: "shop.Checkout/PlaceOrder",
              breaker: ejected ? 2 : 1,
              calls: 78,
              errors: [{ code: 14, count: ejected ? 31 : 2 }],
              retries: 3,
              rateLimited: 0,
              latencyP50Ms: 4,
              latencyP99Ms: 38,
            },
          ],
        });
      await sendReport(watch, seen(false));
      await page.goto(`${web}/#/services/checkout`);
      const split = page.locator('li.rule[data-rule="split"] .split');
      await split.locator('[data-destination="subset stable"]', { hasText: "stable 90%" }).waitFor();
      await split.locator('[data-destination="subset canary"]', { hasText: "canary 10%" }).waitFor();
      await row("10.0.0.1:8080").getByText("ejected by 0 of 1").waitFor({ timeout: LIVE_MS });

      // A report changes nothing in the registry (no feed event): the page re-reads on its timer.
      await sendReport(watch, seen(true));
      await row("10.0.0.1:8080")
        .getByText("ejected by 1 of 1")
        .waitFor({ timeout: HEALTH_POLL_MS + LIVE_MS });
      await page
        .locator(`tr[data-client="orders-7f9c"] td.route-version`, { hasText: `v${routeVersion}` })
        .waitFor();
      await shot("service");
    } finally {
      watch.close();
    }
  });
  it("shows a rollout's stage and gates, and aborts it from the page: GetRollout shows it ABORTED", async () => {
    await register({ service: "payments", host: "10.0.1.1", port: 8080 });
    await call(
      cp.admin.startRollout.bind(cp.admin),
      StartRolloutRequest.fromPartial({
        service: "payments",
        policy: { timeoutMs: 250 },
        stages: [
          { percent: 10, holdMs: 60_000 },
          { percent: 50, holdMs: 60_000 },
          { percent: 100, holdMs: 60_000 },
        ],
        gates: { maxErrorRateIncrease: 0.02 },
      }),
      bearer(TOKEN),
    );
    await page.goto(`${web}/#/rollouts`);
    await page
      .locator('tr[data-rollout="payments"]', { hasText: "stage 1 of 3 (10%)" })
      .waitFor({ timeout: LIVE_MS });
    await page.goto(`${web}/#/services/payments`);
    const section = page.locator("div.rollout");
    await section.locator(".stage", { hasText: "stage 1 of 3 (10%)" }).waitFor({ timeout: LIVE_MS });
    await section.locator('tr[data-gate="error_rate_increase"]', { hasText: "0.02" }).waitFor();
    await section.locator('tr[data-gate="p99_ratio"]', { hasText: "2" }).waitFor();
    await section.locator('li[data-kind="started"]').waitFor();
    await section.screenshot({ path: join(IMAGES, "dashboard-rollout.png") });
    await section.getByRole("button", { name: "Abort" }).click();
    await page.locator('div.rollout[data-state="ROLLOUT_STATE_ABORTED"]').waitFor({ timeout: LIVE_MS });
    await section.locator('li[data-kind="aborted"]').waitFor();
    const { rollout } = await call(
      cp.admin.getRollout.bind(cp.admin),
      { service: "payments" },
      bearer(TOKEN),
    );
    assert.equal(rollout?.state, RolloutState.ROLLOUT_STATE_ABORTED);
  });
});
