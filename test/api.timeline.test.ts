import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { WaveTimeline } from "../src/orchestrator/timelineView.ts";
import type { PlanView } from "../src/orchestrator/views.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";
import { until } from "./support/until.ts";

/**
 * The live ETA and the timeline route over real HTTP, against the real orchestrator, the emulator
 * and a Redis prefix of its own. The emulator runs at 60× and the test moves its clock on in small
 * steps once it has seen the plan running, so no test waits for the world.
 */

const TOKEN = `timeline-${randomUUID()}`;
const auth = { authorization: `Bearer ${TOKEN}` };
const MINUTE = 60_000;
/** Emulated time the test moves the clock by per 50 real ms once it has seen the plan run. */
const STEP = 5 * MINUTE;

let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;

beforeAll(async () => {
  harness = await startHarness({ sources: 6, quota: 2, timeScale: 60 });
  daemon = await harness.startDaemon();
  api = await startTestApi(harness, daemon, TOKEN);
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${api.url}${path}`, { headers: auth });
  return { status: response.status, body: (await response.json()) as T };
}

describe("a running plan's ETA and a wave's timeline", () => {
  let planId = "";

  it("gives a running plan and its waves an ETA, P50 no later than P90", async () => {
    const spec = await planOverSources(
      harness.client,
      `timeline-${randomUUID().slice(0, 8)}`,
      [4, 2],
    );
    // Always open (an hour-long opening every minute): the timeline shades it.
    const first = spec.waves[0];
    if (first) first.window = { cron: "* * * * *", durationMs: 60 * MINUTE, timezone: "UTC" };
    ({ planId } = await daemon.migrations.submit(spec));
    const running = await until(
      "a running plan with an ETA",
      async () => (await getJson<PlanView>(`/api/plans/${planId}`)).body,
      (plan) => plan.status === "running" && plan.eta !== undefined,
    );
    const eta = running.eta;
    if (!eta) throw new Error("no eta");
    expect(Date.parse(eta.p50)).toBeLessThanOrEqual(Date.parse(eta.p90));
    expect(Date.parse(eta.asOf)).toBeLessThanOrEqual(Date.parse(eta.p50));
    for (const wave of running.waves) {
      expect(wave.eta, wave.name).toBeDefined();
      expect(Date.parse(wave.eta?.p50 ?? "")).toBeLessThanOrEqual(Date.parse(eta.p50));
    }
    // The list of plans carries it too (what `status` and the metrics read).
    const { body } = await getJson<{ plans: PlanView[] }>("/api/plans");
    expect(body.plans.find((plan) => plan.id === planId)?.eta).toBeDefined();
    // And the metrics: seconds from now to the P50.
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: auth })).text();
    const sample = new RegExp(`^smc_waves_plan_eta_seconds\\{plan="${planId}"\\} (\\S+)$`, "m");
    expect(Number(sample.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  it("shows the wave's jobs while they run, with the forecast of the rest and now", async () => {
    const { body } = await until(
      "a timeline with a job",
      () => getJson<WaveTimeline>(`/api/plans/${planId}/timeline?wave=wave-1`),
      ({ body }) => body.jobs.length > 0,
    );
    expect(body.from).toBeLessThanOrEqual(body.now);
    expect(body.to).toBeGreaterThanOrEqual(body.now);
    expect(body.windows?.length).toBeGreaterThan(0);
    expect(body.windows?.[0]?.opensAt).toBeLessThanOrEqual(body.now);
    expect(body.forecast?.finish.p50).toBeLessThanOrEqual(body.forecast?.finish.p90 ?? 0);
    expect(body.forecast?.jobs.length).toBeGreaterThan(0);
  });

  it("matches the emulator's own job timeline once the plan has ended, bars ordered", {
    timeout: 120_000,
  }, async () => {
    expect(await harness.fastForward(harness.waitForPlanEnd(planId), STEP)).toBe("succeeded");
    const emulated = new Map(harness.emulator.timeline().map((job) => [job.jobId, job]));
    const { body: ended } = await getJson<PlanView>(`/api/plans/${planId}`);
    expect(ended.eta).toBeUndefined();
    for (const wave of ["wave-1", "wave-2"]) {
      const { status, body } = await getJson<WaveTimeline>(
        `/api/plans/${planId}/timeline?wave=${wave}`,
      );
      expect(status).toBe(200);
      expect(body.jobs).toHaveLength(wave === "wave-1" ? 4 : 2);
      expect(body.omitted).toBe(0);
      expect(body.forecast).toBeUndefined();
      for (const bar of body.jobs) {
        const job = emulated.get(bar.jobId);
        if (!job) throw new Error(`the emulator has no job ${bar.jobId}`);
        const { created, started = NaN, finished = NaN, deleted = NaN } = bar;
        expect(created).toBeLessThanOrEqual(started);
        expect(started).toBeLessThanOrEqual(finished);
        expect(finished).toBeLessThanOrEqual(deleted);
        expect(bar.status).toBe("succeeded");
        // The service's EndTime, to its second. The others are recorded right after each call
        // returns: at or after the emulator's moment (its clock shows whole seconds), and before
        // the job's next one (the delete, before the plan ended).
        const emulatedAt = (iso: string | null) => Date.parse(iso ?? "");
        expect(Math.abs(finished - emulatedAt(job.finishedAt))).toBeLessThan(1000);
        const within = (ours: number, from: string | null, to: number, what: string) => {
          expect(ours, `${bar.jobId} ${what}`).toBeGreaterThanOrEqual(emulatedAt(from) - 1000);
          expect(ours, `${bar.jobId} ${what}`).toBeLessThanOrEqual(to);
        };
        within(created, job.createdAt, emulatedAt(job.startedAt), "created");
        within(started, job.startedAt, emulatedAt(job.finishedAt), "started");
        within(deleted, job.deletedAt, ended.finishedAt ?? NaN, "deleted");
      }
      expect(body.jobs.map((job) => job.created)).toEqual(
        [...body.jobs.map((job) => job.created)].sort((a, b) => a - b),
      );
    }
  });

  it("caps the bars and says how many were left out; refuses an unknown wave and a bad limit", async () => {
    const { body } = await getJson<WaveTimeline>(
      `/api/plans/${planId}/timeline?wave=wave-1&limit=1`,
    );
    expect(body.jobs).toHaveLength(1);
    expect(body.omitted).toBe(3);
    const unknown = await getJson<{ message: string }>(`/api/plans/${planId}/timeline?wave=nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("wave-1, wave-2");
    for (const query of ["", "?wave=wave-1&limit=0", "?wave=wave-1&limit=x"]) {
      expect((await getJson(`/api/plans/${planId}/timeline${query}`)).status, query).toBe(400);
    }
  });
});
