import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";

/** Debian's Chromium (`apt-get install chromium`); .ci/run installs it. */
const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "browser-test-token-0123456789";

let harness: Harness | undefined;
let api: RunningApiServer | undefined;
afterEach(async () => {
  await api?.close();
  await harness?.close();
  api = undefined;
  harness = undefined;
});

describe.skipIf(!existsSync(CHROMIUM))(
  "migration view in headless Chromium (skipped: Debian's chromium is not installed)",
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

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      try {
        const page = await browser.newPage();
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
      } finally {
        await browser.close();
      }
    });
  },
);
