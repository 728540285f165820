/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core): the login it asks for, the services it lists, an instance that leaves
 * vanishing from the page without a reload, and a drain clicked on the page reaching the
 * registry. The screenshots it takes are the ones docs/dashboard.md shows.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { bearer, call, type Running, registerRequest, startPlane } from "./helpers/control-plane.js";
import { WatchClient } from "./helpers/watch.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "browser-test-admin-token";
const IMAGES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "images");
/** How soon a change must show on the page. */
const LIVE_MS = 2000;

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
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
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
      await shot("service");
      await page.goto(`${web}/#/events`);
      await page.locator('li[data-kind="drained"]').first().waitFor({ timeout: LIVE_MS });
      await shot("events");
    } finally {
      watch.close();
    }
  });
});
