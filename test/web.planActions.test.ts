import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import { tokenHash } from "../src/platform/accessTokens.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";

/**
 * The migration view's buttons, clicked in headless Chromium against a real daemon: an operator
 * pauses, resumes, cancels (through the confirmation), retries a failed plan and submits plan
 * files; a viewer sees no button and is refused when it goes round the page.
 */

/** Debian's Chromium (`apt-get install chromium`); .ci/run installs it. */
const CHROMIUM = "/usr/bin/chromium";
const ALICE = "alice-operator-token-0123456789abcdef";
const BOB = "bob-viewer-token-0123456789abcdef";

let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  // 60× real time: a job runs about a minute, long enough to pause, resume and cancel around it.
  harness = await startHarness({ sources: 10, quota: 4, timeScale: 60 });
  daemon = await harness.startDaemon();
  api = await startTestApi(harness, daemon, [
    { name: "alice", role: "operator", hash: tokenHash(ALICE) },
    { name: "bob", role: "viewer", hash: tokenHash(BOB) },
  ]);
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
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await harness?.close();
});

/** A page signed in as `token`'s holder; any request to another host is recorded and refused. */
async function signedIn(token: string): Promise<{ page: Page; offHost: string[] }> {
  const context: BrowserContext = await browser.newContext();
  const offHost: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === api.url) return route.continue();
    offHost.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  // A request the page's CSP refused shows only as a console error (answers of 400 and 403 that
  // the test asks for show there too, and are not what this looks for).
  page.on("console", (message) => {
    if (message.type() === "error" && /Refused to|Content Security Policy/.test(message.text()))
      offHost.push(`console: ${message.text()}`);
  });
  await page.goto(`${api.url}/?token=${encodeURIComponent(token)}`);
  return { page, offHost };
}

async function setSourceState(name: string, state: string): Promise<void> {
  const [source] = (await harness.client.describeAllSourceServers({})).filter(
    (s) => s.name === name,
  );
  const response = await fetch(
    `${harness.emulator.url}/_emulator/sources/${source?.sourceId}/state`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ state }),
    },
  );
  expect(response.status).toBe(200);
}

const planStatus = (page: Page, planId: string) =>
  page.locator(`article[data-plan-id="${planId}"]`).getAttribute("data-status");

/** Who did what to the plan, from its history (the audit trail the report shows too). */
async function actions(planId: string): Promise<string[]> {
  const view = await daemon.migrations.getPlan(planId);
  return (view?.history ?? [])
    .filter((entry) => entry.by !== undefined)
    .map((entry) => `${entry.event} by ${entry.by}`);
}

describe.skipIf(!existsSync(CHROMIUM))(
  "the migration view's actions in headless Chromium (skipped: Debian's chromium is not installed)",
  () => {
    it("lets an operator pause, resume, cancel through a confirmation, retry a failed plan and upload plans", {
      timeout: 180_000,
    }, async () => {
      const slow = await daemon.migrations.submit(
        await planOverSources(harness.client, "slow", [3]),
      );
      // Two other sources (the first wave only skips slow's), both offline: the plan fails at
      // once, and the operator retries it once they are back.
      const overTwo = await planOverSources(harness.client, "broken", [3, 2]);
      const brokenPlan = { ...overTwo, waves: overTwo.waves.slice(1) };
      const offline = brokenPlan.waves[0]?.servers.map((server) => server.ref.name ?? "") ?? [];
      for (const name of offline) await setSourceState(name, "Unavailable");
      const brokenEnd = harness.waitForPlanEnd("broken");
      await daemon.migrations.submit(brokenPlan);
      expect(await brokenEnd).toBe("failed");

      const { page, offHost } = await signedIn(ALICE);
      await page.locator(`article[data-plan-id="${slow.planId}"]`).waitFor({ timeout: 15_000 });
      await expect.poll(() => page.locator("#whoami").textContent()).toContain("alice · operator");
      const slowActions = page.locator(`[data-plan-actions="${slow.planId}"]`);

      await slowActions.locator('[data-action="pause"]').click();
      await expect.poll(() => planStatus(page, slow.planId), { timeout: 15_000 }).toBe("paused");
      await slowActions.locator('[data-action="resume"]').click();
      await expect.poll(() => planStatus(page, slow.planId), { timeout: 15_000 }).toBe("running");

      // The confirmation says what happens to the running jobs, either way; Back changes nothing.
      await slowActions.locator('[data-action="cancel"]').click();
      const dialog = page.locator("#confirm-dialog");
      await dialog.waitFor({ state: "visible" });
      const consequence = page.locator("#confirm-consequence");
      expect(await consequence.textContent()).toMatch(
        /^\d+ jobs? running will finish on their own/,
      );
      await page.locator("#confirm-option-box").check();
      await page
        .screenshot({ path: ".data/view-cancel.png", fullPage: true })
        .catch(() => undefined);
      expect(await consequence.textContent()).toMatch(
        /^\d+ jobs? running will be stopped \(only while Syncing.*then deleted, or kept where the plan says onFinish: keep/,
      );
      await page.locator("#confirm-no").click();
      await dialog.waitFor({ state: "hidden" });
      expect(await planStatus(page, slow.planId)).toBe("running");

      await slowActions.locator('[data-action="cancel"]').click();
      await dialog.waitFor({ state: "visible" });
      await page.locator("#confirm-yes").click();
      await expect
        .poll(() => planStatus(page, slow.planId), { timeout: 15_000 })
        .toMatch(/^cancell(ing|ed)$/);
      expect(await actions(slow.planId)).toEqual([
        "plan:submitted by cli",
        "plan:paused by alice",
        "plan:running by alice",
        "plan:cancelling by alice",
      ]);
      const cancel = (await daemon.migrations.getPlan(slow.planId))?.history.find(
        (entry) => entry.event === "plan:cancelling",
      );
      expect(cancel?.detail).toBe("running jobs finish");

      // The failed plan: retry, once its sources are back.
      for (const name of offline) await setSourceState(name, "Available");
      const brokenActions = page.locator('[data-plan-actions="broken"]');
      await brokenActions.locator('[data-action="retry-failed"]').click();
      await dialog.waitFor({ state: "visible" });
      expect(await page.locator("#confirm-text").textContent()).toContain(
        "Puts back 2 failed, cancelled or skipped servers",
      );
      await page.locator("#confirm-yes").click();
      await expect.poll(() => planStatus(page, "broken"), { timeout: 15_000 }).not.toBe("failed");
      expect(await actions("broken")).toContain("plan:running by alice");

      // A broken file: nothing submitted, each problem under its own line of the file.
      const broken = [
        "name: uploaded-broken",
        "regionId: cn-hangzhou",
        "waves:",
        "  - name: w1",
        "    servrs:",
        "      - name: nowhere",
        "",
      ].join("\n");
      await page.setInputFiles("#submit-file", {
        name: "broken.yaml",
        mimeType: "text/yaml",
        buffer: Buffer.from(broken),
      });
      await page.locator('#submit-form button[type="submit"]').click();
      await page.locator("[data-submit-error]").waitFor({ timeout: 15_000 });
      await page
        .screenshot({ path: ".data/view-upload.png", fullPage: true })
        .catch(() => undefined);
      expect(await page.locator("[data-submit-error]").textContent()).toBe(
        "broken.yaml: 2 problems; nothing was submitted.",
      );
      expect(await page.locator(".problem-line").evaluateAll(lineNumbers)).toEqual(["4", "5"]);
      expect(await page.locator('[data-problem-line="5"]').textContent()).toBe(
        "5:5  Unknown key `servrs` in `waves[0]`; did you mean `servers`?",
      );
      expect(await page.locator('.plan-text [data-line="5"]').textContent()).toBe("5    servrs:");
      expect((await daemon.migrations.listPlans()).map((plan) => plan.id)).not.toContain(
        "uploaded-broken",
      );

      // A good one: submitted under alice's name, and on the page.
      const [source] = (await harness.client.describeAllSourceServers({})).filter(
        (s) => s.state === "Available",
      );
      const good = [
        "name: uploaded",
        "regionId: cn-hangzhou",
        "defaults: { targetType: Image }",
        "waves:",
        "  - name: w1",
        "    servers:",
        `      - { sourceId: ${source?.sourceId}, systemDiskSize: ${Math.min(500, Math.max(20, source?.systemDiskSize ?? 20))} }`,
        "",
      ].join("\n");
      await page.setInputFiles("#submit-file", {
        name: "good.yaml",
        mimeType: "text/yaml",
        buffer: Buffer.from(good),
      });
      await page.locator('#submit-form button[type="submit"]').click();
      await page.locator('[data-submitted="uploaded"]').waitFor({ timeout: 15_000 });
      await page.locator('article[data-plan-id="uploaded"]').waitFor({ timeout: 15_000 });
      expect(await actions("uploaded")).toEqual(["plan:submitted by alice"]);

      // The report's links work in the session: the audit trail names alice.
      const audit = await page
        .locator(`[data-plan-actions="${slow.planId}"] [data-report="actions"]`)
        .getAttribute("href");
      const csv = String(
        await page.evaluate(`fetch(${JSON.stringify(audit)}).then((r) => r.text())`),
      );
      expect(csv.split("\r\n")[0]).toBe("at,by,event,detail");
      expect(csv).toContain(",alice,plan:paused,");
      expect(csv).toContain(",alice,plan:cancelling,running jobs finish");
      expect(offHost).toEqual([]);
    });

    it("shows a viewer no button, and refuses it with 403 when it goes round the page", {
      timeout: 60_000,
    }, async () => {
      await daemon.migrations.submit(await planOverSources(harness.client, "watched", [1]));
      const { page, offHost } = await signedIn(BOB);
      await page.locator('article[data-plan-id="watched"]').waitFor({ timeout: 15_000 });
      await expect.poll(() => page.locator("#whoami").textContent()).toContain("bob · viewer");
      expect(await page.locator("[data-action]").count()).toBe(0);
      expect(await page.locator("#submit").isHidden()).toBe(true);
      // The report is reading, so a viewer has it.
      expect(await page.locator('[data-plan-actions="watched"] [data-report]').count()).toBe(2);

      const forced = String(
        await page.evaluate(
          `fetch("/api/plans/watched/pause", { method: "POST" }).then(async (r) => r.status + " " + (await r.text()))`,
        ),
      );
      expect(forced).toBe(
        `403 ${JSON.stringify({ error: "forbidden", message: "token 'bob' has role viewer; pausing a plan needs operator (or admin)" })}`,
      );
      expect((await daemon.migrations.getPlan("watched"))?.status).not.toBe("paused");
      expect(offHost).toEqual([]);
    });

    it("lets an operator approve a gated wave and cut a server in sync over, each after a confirmation", {
      timeout: 180_000,
    }, async () => {
      const base = await planOverSources(harness.client, "gated-sync", [1, 1]);
      const [first, second] = base.waves;
      if (!first || !second) throw new Error("two waves expected");
      const plan = {
        ...base,
        waves: [
          { ...first, gate: "manual" as const },
          {
            ...second,
            cutover: { mode: "manual" as const, syncData: true, onTimeout: "wait" as const },
            servers: second.servers.map((server) => ({
              ...server,
              settings: {
                ...server.settings,
                runOnce: false,
                frequency: 1,
                maxNumberOfImageToKeep: 2,
              },
            })),
          },
        ],
      };
      const { planId } = await daemon.migrations.submit(plan);
      const { page, offHost } = await signedIn(ALICE);
      const wave = (index: number) => async () =>
        (await daemon.migrations.getPlan(planId))?.waves[index];
      await expect
        .poll(async () => (await wave(0)())?.status, { timeout: 15_000 })
        .toBe("waiting-approval");

      const dialog = page.locator("#confirm-dialog");
      await page.locator('[data-action="approve"]').click({ timeout: 15_000 });
      await dialog.waitFor({ state: "visible" });
      await page.locator("#confirm-yes").click();
      await expect
        .poll(async () => (await wave(0)())?.status, { timeout: 15_000 })
        .not.toBe("waiting-approval");
      expect(await actions(planId)).toContain("wave:approved by alice");

      // Emulated time runs on until the incremental server is in sync; then a person cuts it over.
      const syncing = async () => (await wave(1)())?.servers[0]?.status;
      await harness.fastForward(
        (async () => {
          while ((await syncing()) !== "syncing") await new Promise((r) => setTimeout(r, 100));
        })(),
      );
      await page
        .locator(`article[data-plan-id="${planId}"] [data-action="cutover"]`)
        .first()
        .click({ timeout: 15_000 });
      await dialog.waitFor({ state: "visible" });
      expect(await page.locator("#confirm-title").textContent()).toContain("Cut over");
      await page.locator("#confirm-yes").click();
      const ended = harness.waitForPlanEnd(planId);
      expect(await harness.fastForward(ended)).toBe("succeeded");
      const server = (await wave(1)())?.servers[0];
      expect(
        server?.history.some((entry) => entry.by === "alice" || entry.detail?.includes("alice")),
      ).toBe(true);
      expect(offHost).toEqual([]);
    });
  },
);

/** The line numbers of the marked lines (runs in the page). */
function lineNumbers(lines: Array<{ getAttribute(name: string): string | null }>): string[] {
  return lines.map((line) => line.getAttribute("data-line") ?? "");
}
