import { afterEach, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import { chromiumMissing, launchChromium, watchOffHost } from "./support/browser.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";

const TOKEN = "browser-test-token-0123456789";

let harness: Harness | undefined;
let api: RunningApiServer | undefined;
afterEach(async () => {
  await api?.close();
  await harness?.close();
  api = undefined;
  harness = undefined;
});

// Every test also fails on any request to another host, or one the page's CSP refused: an
// air-gapped operations network would show the difference.
describe.skipIf(chromiumMissing)(
  "the pages in headless Chromium (skipped: Debian's chromium is not installed)",
  () => {
    it("shows the plan's waves and servers, and a wave's progress bar moving as servers finish", {
      timeout: 120_000,
    }, async () => {
      // Slow enough (an emulated hour every 2.5 s) that the page sees the wave part-way.
      harness = await startHarness({ sources: 8, quota: 2, timeScale: 1_440 });
      const daemon = await harness.startDaemon();
      api = await startTestApi(harness, daemon, TOKEN);
      const plan = await planOverSources(harness.client, "browser", [6]);
      const { planId } = await daemon.migrations.submit(plan);

      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        const offHost = await watchOffHost(context, api.url);
        const page = await context.newPage();
        await page.goto(`${api.url}/?token=${TOKEN}`);
        const wave = page.locator(`[data-plan-id="${planId}"] [data-wave="wave-1"]`);
        await wave.waitFor({ timeout: 15_000 });
        // The token left the address bar once read.
        expect(page.url()).not.toContain(TOKEN);
        const bar = wave.locator('[role="progressbar"]').first();
        const progressSeen: number[] = [];
        await expect
          .poll(
            async () => {
              progressSeen.push(Number(await bar.getAttribute("aria-valuenow")));
              return Math.max(...progressSeen);
            },
            { timeout: 60_000, interval: 250 },
          )
          .toBeGreaterThan(0);
        await expect
          .poll(() => wave.getAttribute("data-status"), { timeout: 60_000, interval: 250 })
          .toBe("succeeded");
        expect(await page.locator(`[data-plan-id="${planId}"] [data-server]`).count()).toBe(6);
        await page
          .screenshot({ path: ".data/migration-view.png", fullPage: true })
          .catch(() => undefined);
        // It moved: seen below 100 at some refresh, then at 100.
        expect(Math.min(...progressSeen)).toBeLessThan(100);
        expect(Number(await bar.getAttribute("aria-valuenow"))).toBe(100);
        expect(offHost).toEqual({ requests: [], refusedByCsp: [] });
      } finally {
        await browser.close();
      }
    });

    it("asks for the token once with a form, keeps it out of the page, and its links work in the session", {
      timeout: 120_000,
    }, async () => {
      harness = await startHarness({ sources: 4, quota: 2 });
      const daemon = await harness.startDaemon();
      api = await startTestApi(harness, daemon, TOKEN);
      const plan = await planOverSources(harness.client, "signin", [2]);
      const { planId } = await daemon.migrations.submit(plan);
      const url = api.url;

      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        const offHost = await watchOffHost(context, url);
        const page = await context.newPage();
        const dialogs: string[] = [];
        page.on("dialog", (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
        let planRequests = 0;
        page.on("request", (request) => {
          if (new URL(request.url()).pathname === "/api/plans") planRequests += 1;
        });
        await page.goto(`${url}/`);
        const form = page.locator("#signin");
        await form.waitFor({ state: "visible", timeout: 15_000 });
        // Two refresh periods pass without asking again or polling the API.
        const asked = planRequests;
        await page.waitForTimeout(4_500);
        expect(planRequests).toBe(asked);
        expect(dialogs).toEqual([]);

        await page.fill("#signin-token", "not-the-token");
        await page.click('#signin button[type="submit"]');
        await expect
          .poll(() => page.locator("#signin-error").textContent(), { timeout: 15_000 })
          .toBe("That is not this daemon's token.");

        await page.fill("#signin-token", TOKEN);
        await page.click('#signin button[type="submit"]');
        await page.locator(`[data-plan-id="${planId}"]`).waitFor({ timeout: 15_000 });
        expect(await form.isHidden()).toBe(true);

        // The token is nowhere in the page: not in the DOM, a link, storage or a readable cookie.
        // A string: the test's TypeScript has no DOM types; this runs in the page.
        const traces = await page.evaluate(`JSON.stringify({
          html: document.documentElement.outerHTML,
          hrefs: [...document.querySelectorAll("a")].map((a) => a.href),
          inputs: [...document.querySelectorAll("input")].map((input) => input.value),
          storage: { ...sessionStorage, ...localStorage },
          cookie: document.cookie,
        })`);
        expect(traces).toContain("signin-token");
        expect(traces).not.toContain(TOKEN);

        // Each link of the header opens in this session: the cookie, not a token in the URL.
        for (const [link, expected] of [
          ["#link-metrics", "smc_waves_"],
          ["#link-api", '"openapi"'],
          ["#link-dashboard", "smc-waves queues"],
        ] as const) {
          const [response] = await Promise.all([page.waitForNavigation(), page.click(link)]);
          expect(response?.status(), link).toBe(200);
          expect(await page.content(), link).toContain(expected);
          await page.goto(`${url}/`);
          await page.locator(`[data-plan-id="${planId}"]`).waitFor({ timeout: 15_000 });
        }

        // A link with ?token= signs a new browser in and leaves the address bar clean.
        const other = await context.newPage();
        await other.goto(`${url}/?token=${encodeURIComponent(TOKEN)}`);
        expect(other.url()).toBe(`${url}/`);
        await other.locator(`[data-plan-id="${planId}"]`).waitFor({ timeout: 15_000 });
        expect(await other.locator("#signin").isHidden()).toBe(true);
        expect(offHost).toEqual({ requests: [], refusedByCsp: [] });
      } finally {
        await browser.close();
      }
    });

    it("shows the queue dashboard with its fonts served by the daemon, and nothing from elsewhere", {
      timeout: 60_000,
    }, async () => {
      harness = await startHarness({ sources: 4, quota: 2 });
      const daemon = await harness.startDaemon();
      api = await startTestApi(harness, daemon, TOKEN);
      const plan = await planOverSources(harness.client, "dashboard", [3]);
      await daemon.migrations.submit(plan);

      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        const offHost = await watchOffHost(context, api.url);
        const page = await context.newPage();
        const fontResponses: number[] = [];
        page.on("response", (response) => {
          if (response.url().includes("/dashboard/fonts/files/")) {
            fontResponses.push(response.status());
          }
        });
        // The token becomes the session cookie; then a queue's own page, with its jobs.
        await page.goto(`${api.url}/dashboard?token=${TOKEN}`);
        await page.getByText("servers", { exact: true }).first().waitFor({ timeout: 15_000 });
        await page.goto(`${api.url}/dashboard/queue/servers`);
        await page.waitForLoadState("networkidle");
        // The families of the font faces the page loaded (a string: tests have no DOM types).
        const loadedFaces: unknown = await page.evaluate(
          "document.fonts.ready.then((fonts) => [...fonts].filter((face) => face.status === 'loaded').map((face) => face.family.replaceAll(/[\"']/g, '')))",
        );
        expect(offHost).toEqual({ requests: [], refusedByCsp: [] });
        expect(loadedFaces).toContain("IBM Plex Sans");
        expect(fontResponses.length).toBeGreaterThan(0);
        expect(fontResponses.every((status) => status === 200)).toBe(true);
      } finally {
        await browser.close();
      }
    });
  },
);
