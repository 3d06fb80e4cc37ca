import { afterAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import { chromiumMissing, launchChromium, watchOffHost } from "./support/browser.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";

const TOKEN = "timeline-browser-token-0123456789";

let harness: Harness | undefined;
let api: RunningApiServer | undefined;
afterAll(async () => {
  await api?.close();
  await harness?.close();
});

// Fails on any request to another host, or one the page's CSP refused, like every page test.
describe.skipIf(chromiumMissing)(
  "the wave timeline in headless Chromium (skipped: Debian's chromium is not installed)",
  () => {
    it("draws a running wave's jobs, its window, the forecast of the rest, a now line and the ETA", {
      timeout: 120_000,
    }, async () => {
      // Slow enough (an emulated hour every 12 s) that the wave is still running while the page looks.
      harness = await startHarness({ sources: 8, quota: 2, timeScale: 300 });
      const daemon = await harness.startDaemon();
      api = await startTestApi(harness, daemon, TOKEN);
      const plan = await planOverSources(harness.client, "timeline-view", [6, 2]);
      const first = plan.waves[0];
      if (first) first.window = { cron: "0 * * * *", durationMs: 3_000_000, timezone: "UTC" };
      const { planId } = await daemon.migrations.submit(plan);

      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const offHost = await watchOffHost(context, api.url);
        const page = await context.newPage();
        await page.goto(`${api.url}/?token=${TOKEN}`);
        const card = page.locator(`[data-plan-id="${planId}"]`);
        const timeline = card.locator('.timeline[data-timeline="wave-1"]');
        await timeline.locator("svg .tl-job").first().waitFor({ timeout: 60_000 });

        // The plan's header and the wave's say when they will end: P50, then P90.
        const eta = /^ETA \d{4}-\d\d-\d\d \d\d:\d\d \(P90 (\d{4}-\d\d-\d\d )?\d\d:\d\d\)$/;
        await expect
          .poll(() => card.locator("summary .eta").first().textContent(), { timeout: 30_000 })
          .toMatch(eta);
        expect(await card.locator('[data-wave="wave-1"] summary .eta').textContent()).toMatch(eta);

        // Bars of jobs that ran or run, the window's openings, a now line inside the picture, and
        // the forecast's dashed bars with the ETA beside them while the wave runs.
        const svg = timeline.locator("svg");
        expect(await svg.locator(".tl-running").count()).toBeGreaterThan(0);
        expect(await svg.locator(".tl-window").count()).toBeGreaterThan(0);
        const now = svg.locator(".tl-now");
        expect(await now.count()).toBe(1);
        const x = Number(await now.getAttribute("x1"));
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThanOrEqual(1000);
        await expect
          .poll(() => svg.locator(".tl-forecast").count(), { timeout: 30_000 })
          .toBeGreaterThan(0);
        const caption = await timeline.locator(".timeline-caption").textContent();
        expect(caption).toMatch(/now \d{4}-\d\d-\d\d \d\d:\d\d · ETA /);
        await page
          .screenshot({ path: ".data/timeline-view.png", fullPage: true })
          .catch(() => undefined);
        expect(offHost).toEqual({ requests: [], refusedByCsp: [] });
      } finally {
        await browser.close();
      }
    });
  },
);
