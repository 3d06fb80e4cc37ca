import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { PlanForecast } from "../src/forecast/forecastModel.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";
import { until } from "./support/until.ts";

/**
 * The forecast over real HTTP, a real daemon, the emulator and Redis: what a finished plan taught
 * the daemon about the account's throughput, a started wave held by its window, an unknown plan,
 * and a plan not submitted.
 */

const TOKEN = `test-token-${randomUUID()}`;
let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;

beforeAll(async () => {
  harness = await startHarness({ sources: 8 }, { quota: 2 });
  daemon = await harness.startDaemon();
  api = await startTestApi(harness, daemon, TOKEN);
});
afterAll(async () => {
  await api?.close();
  await harness?.close();
});

async function get(path: string): Promise<{ status: number; body: PlanForecast }> {
  const response = await fetch(`${api.url}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return { status: response.status, body: (await response.json()) as PlanForecast };
}

const ms = (iso: string) => Date.parse(iso);

describe("GET /api/plans/:id/forecast", () => {
  it("answers 404 for an unknown plan and 400 for a bad seed", async () => {
    expect((await get("/api/plans/no-such-plan/forecast")).status).toBe(404);
    const { status, body } = await get("/api/plans/no-such-plan/forecast?seed=x");
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("seed must be an integer");
  });

  it("learns the account's throughput from a finished plan, whose forecast is its past", async () => {
    const spec = await planOverSources(harness.client, `learn-${randomUUID().slice(0, 6)}`, [6]);
    const { planId } = await daemon.migrations.submit(spec);
    expect(await harness.fastForward(harness.waitForPlanEnd(planId))).toBe("succeeded");
    const plan = await daemon.migrations.getPlan(planId);

    const { status, body } = await get(`/api/plans/${planId}/forecast`);
    expect(status).toBe(200);
    expect(body.planId).toBe(planId);
    expect(body.jobs).toEqual([]);
    const finished = plan?.waves[0]?.finishedAt ?? 0;
    expect(ms(body.finish.p50)).toBe(finished);
    expect(ms(body.finish.p90)).toBe(finished);
    expect(body.throughput).toMatchObject({ source: "learned", learnedFromJobs: 6 });
    expect(body.throughput.bytesPerSecond).toBeGreaterThan(0);
  });

  it("forecasts a started wave held by its window from the wave's own start and order", async () => {
    const spec = await planOverSources(harness.client, `held-${randomUUID().slice(0, 6)}`, [4]);
    const wave = spec.waves[0];
    if (!wave) throw new Error("no wave");
    // Open one hour a year, on 1 January: shut whenever this runs (but on New Year's night).
    wave.window = { cron: "0 0 1 1 *", durationMs: 3_600_000, timezone: "UTC" };
    const { planId } = await daemon.migrations.submit(spec);
    const plan = await until(
      "the held wave to start",
      () => daemon.migrations.getPlan(planId),
      (view) => view?.waves[0]?.status === "running",
    );

    const { body } = await get(`/api/plans/${planId}/forecast?seed=3&samples=20`);
    expect(body).toMatchObject({ seed: 3, samples: 20 });
    expect(ms(body.waves[0]?.start.p50 ?? "")).toBe(plan?.waves[0]?.startedAt);
    expect(body.jobs).toHaveLength(4);
    const opening = new Date(ms(body.asOf));
    const nextJanuary = Date.UTC(opening.getUTCFullYear() + 1, 0, 1);
    for (const job of body.jobs) {
      expect(ms(job.create)).toBeGreaterThanOrEqual(nextJanuary);
      expect(ms(job.end)).toBeGreaterThan(ms(job.finish));
    }
    // Quota 2: the median run never holds more than two jobs.
    expect(Math.max(...body.quotaUse.map((step) => step.jobs))).toBe(2);
    // The same question gets the same answer.
    expect((await get(`/api/plans/${planId}/forecast?seed=3&samples=20`)).body.jobs).toEqual(
      body.jobs,
    );
  });
});

describe("POST /api/plans/forecast", () => {
  it("forecasts a plan not submitted, from its sources' sizes", async () => {
    const sources = await harness.client.describeAllSourceServers({});
    const names = sources.slice(6, 8).map((source) => source.name);
    const yaml = `name: ahead\nregionId: cn-hangzhou\nwaves:\n  - name: only\n    gate: manual\n    servers: [${names.map((name) => `{ name: ${name}, systemDiskSize: 500 }`).join(", ")}]\n`;
    const response = await fetch(`${api.url}/api/plans/forecast?samples=10`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "text/yaml" },
      body: yaml,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as PlanForecast;
    expect(body.planId).toBeUndefined();
    expect(body.jobs.map((job) => job.server).sort()).toEqual([...names].sort());
    expect(body.assumptions.join(" ")).toMatch(/gates of only .* approved now/);
    expect(ms(body.finish.p90)).toBeGreaterThan(ms(body.asOf));
  });
});
